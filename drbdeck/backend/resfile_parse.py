"""Recursive-descent parser for drbd.conf / .res files (the subset drbd-utils 9.22 uses).

It exists so the emulator's drbdadm and the adoption code read configuration exactly as the
real drbdadm would, with drbdadm-style ``file:line: Parse error: …`` messages. Cross-resource
checks (minor/port conflicts, missing node-id …) live in :mod:`resfile_validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drbdeck.backend.resconfig import (
    Address,
    ConnectionConfig,
    HostConfig,
    Options,
    PathConfig,
    ResourceConfig,
    VolumeConfig,
)
from drbdeck.backend.resfile_lex import Token, tokenize
from drbdeck.backend.resfile_options import (
    EXPECTED,
    PEER_DEVICE_OPTIONS,
    SECTIONS,
    check_value,
)
from drbdeck.backend.resfile_types import ResFileError

ADDRESS_FAMILIES = ("ipv4", "ipv6", "ssocks", "sdp", "sci")
RESOURCE_EXPECTED = (
    "protocol | on | disk | net | syncer | startup | handlers | connection | ignore-on | "
    "stacked-on-top-of | skip"
)
TOP_EXPECTED = (
    "global | common | resource | skip | include |\n"
    "\trequire-drbd-module-version-{eq,ne,gt,ge,lt,le}"
)
ON_EXPECTED = "disk | device | address | meta-disk | flexible-meta-disk | node-id | skip"
VOLUME_EXPECTED = "device | disk | meta-disk | flex-meta-disk | }"
CONNECTION_EXPECTED = "host | net | skip | }"
#: drbdadm's lexer turns these into keyword tokens, so unquoted they are never a name/path
RESERVED = frozenset({
    "global", "common", "resource", "on", "floating", "stacked-on-top-of", "ignore-on",
    "volume", "connection", "connection-mesh", "path", "host", "hosts", "skip", "include",
    "device", "disk", "meta-disk", "flexible-meta-disk", "flex-meta-disk", "node-id",
    "address", "minor", "port", "via", "options", "net", "startup", "handlers", "syncer",
    "protocol", "template-file", "proxy", "inside", "outside",
})
_DRBD_NAME = re.compile(r"^drbd(\d+)$")
_PEER_DEVICE_KEYS = frozenset(PEER_DEVICE_OPTIONS)
_INT = re.compile(r"^\d+$")
_IPV4 = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


@dataclass
class ParsedFile:
    """One file's top-level items, in order: resources and include globs."""

    resources: list[ResourceConfig] = field(default_factory=list)
    includes: list[tuple[str, int]] = field(default_factory=list)  # (glob, line)
    global_opts: Options = field(default_factory=dict)
    common: dict[str, Options] = field(default_factory=dict)
    #: items in file order: ("resource", ResourceConfig) or ("include", glob)
    order: list[tuple[str, object]] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.toks = tokenize(text, path)
        self.pos = 0
        self.ambiguous: list[tuple[str, str, str]] = []  # (key, first, second) in a resource

    # -- token helpers ---------------------------------------------------------------
    def peek(self) -> Token | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _last_line(self) -> int:
        return self.toks[-1].line if self.toks else 1

    def next(self, expected: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise ResFileError(
                f"{self.path}:{self._last_line()}: Parse error: '{expected}' expected,\n"
                "\tbut got end of file"
            )
        self.pos += 1
        return tok

    def fail(self, expected: str, tok: Token, tk: bool = True) -> ResFileError:
        """drbdadm's parse error; it omits the ``(TK n)`` suffix after keyword lists."""
        suffix = tok.tk if tk else ""
        return ResFileError(
            f"{self.path}:{tok.line}: Parse error: '{expected}' expected,\n"
            f"\tbut got '{tok.text}'{suffix}"
        )

    def expect(self, ch: str) -> Token:
        tok = self.next(ch)
        if not tok.is_punct(ch):
            raise self.fail(ch, tok)
        return tok

    def word(self, expected: str = "TK_STRING") -> Token:
        tok = self.next(expected)
        if not tok.quoted and tok.text in ("{", "}", ";"):
            raise self.fail(expected, tok)
        return tok

    def name(self, expected: str = "TK_STRING") -> Token:
        """A name or path: a word that is not one of drbdadm's keywords (or any string)."""
        tok = self.word(expected)
        if not tok.quoted and tok.text in RESERVED:
            raise self.fail(expected, tok)
        if not tok.quoted and tok.text.startswith("["):
            raise self.fail(expected, Token("[", tok.line, quoted=True), tk=False).with_suffix(
                " (TK 91)")
        return tok

    def integer(self) -> tuple[int, Token]:
        tok = self.next("TK_INTEGER")
        if tok.quoted or not _INT.match(tok.text):
            raise self.fail("TK_INTEGER", tok)
        return int(tok.text), tok

    def at_punct(self, ch: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.is_punct(ch)

    def err(self, line: int, msg: str) -> ResFileError:
        return ResFileError(f"{self.path}:{line}: {msg}")

    def skip_block(self) -> None:
        """Skip tokens up to and including the matching ``}`` (for ``skip`` etc.)."""
        while not self.at_punct("{"):
            self.next("{")
        self.expect("{")
        depth = 1
        while depth:
            tok = self.next("}")
            if tok.is_punct("{"):
                depth += 1
            elif tok.is_punct("}"):
                depth -= 1

    # -- top level -------------------------------------------------------------------
    def parse_file(self) -> ParsedFile:
        out = ParsedFile()
        while (tok := self.peek()) is not None:
            self.pos += 1
            kw = tok.text if not tok.quoted else ""
            if kw == "global":
                out.global_opts.update(self.options_block("global", frozenset()))
            elif kw == "common":
                out.common.update(self.common_block())
            elif kw == "resource":
                rc = self.resource(tok)
                out.resources.append(rc)
                out.order.append(("resource", rc))
            elif kw == "include":
                g = self.word("TK_STRING")
                self.expect(";")
                out.includes.append((g.text, g.line))
                out.order.append(("include", g.text))
            elif kw == "skip":
                self.skip_block()
            elif kw.startswith("require-drbd-module-version-"):
                self.word()
                self.expect(";")
            else:
                raise self.fail(TOP_EXPECTED, tok, tk=False)
        return out

    def common_block(self) -> dict[str, Options]:
        self.expect("{")
        out: dict[str, Options] = {}
        while not self.at_punct("}"):
            tok = self.word(RESOURCE_EXPECTED)
            if tok.text in ("options", "net", "disk", "handlers", "startup") and not tok.quoted:
                out.setdefault(tok.text, {}).update(self.options_block(tok.text, frozenset()))
            elif tok.text == "skip":
                self.skip_block()
            else:
                raise self.fail(RESOURCE_EXPECTED, tok)
        self.expect("}")
        return out

    def options_block(self, section: str, inherited: frozenset[str] | None = None) -> Options:
        """``{ key [value]; … }`` with keys checked against the section's whitelist.

        A key repeated with a different value is "ambiguous inheritance" for drbdadm when
        the section is inherited further down (``inherited``: those keys; None = all);
        such conflicts are collected in ``self.ambiguous`` for the enclosing resource.
        """
        self.expect("{")
        opts: Options = {}
        allowed = SECTIONS[section]
        while True:
            tok = self.next("}")
            if tok.is_punct("}"):
                return opts
            if tok.quoted or tok.text not in allowed:
                raise self.fail(EXPECTED[section], tok, tk=False)
            value: str | None = None
            kind = allowed[tok.text].kind
            if kind == "flag" and not self.at_punct(";"):
                raise self.fail(";", self.next(";"))
            if not self.at_punct(";"):
                vtok = self.word("TK_STRING")
                if kind == "int" and (vtok.quoted or not _INT.match(vtok.text)):
                    raise self.fail("TK_INTEGER", vtok)
                if kind == "kwenum" and vtok.text not in allowed[tok.text].values:
                    raise self.fail(" | ".join(allowed[tok.text].values), vtok, tk=False)
                value = vtok.text
            reason = check_value(section, tok.text, value)
            if reason:
                raise self.err(tok.line, f"Parse error: {reason}")
            self.expect(";")
            value = value if value is not None else "yes"
            prev = opts.get(tok.text)
            if prev is not None and prev != value and (inherited is None or tok.text in inherited):
                self.ambiguous.append((tok.text, prev, value))
            opts[tok.text] = value

    # -- resource --------------------------------------------------------------------
    def resource(self, kw: Token) -> ResourceConfig:
        name = self.name("TK_STRING")
        rc = ResourceConfig(name=name.text, source=self.path, line=kw.line)
        self.ambiguous = []
        self.expect("{")
        while True:
            tok = self.peek()
            if tok is None or tok.is_punct("}"):
                # drbdadm 9.22 accepts a missing final '}' at EOF (EXP)
                self.pos += tok is not None
                rc.end_line = (tok.line if tok is not None else self._last_line()) + 1
                if self.ambiguous:
                    key, a, b = self.ambiguous[0]
                    raise ResFileError(
                        f"{self.path}:{kw.line}: in resource {rc.name}, ambiguous inheritance "
                        f"for option \"{key}\".\nshould be \"{a}\" and \"{b}\" at the same time"
                    )
                return rc
            self.pos += 1
            kw_ = "" if tok.quoted else tok.text
            if kw_ in ("options", "handlers", "startup"):
                target = {"options": rc.options, "handlers": rc.handlers,
                          "startup": rc.startup}[kw_]
                target.update(self.options_block(kw_, frozenset()))
            elif kw_ == "net":
                rc.net.update(self.options_block("net"))
            elif kw_ == "disk" and self.at_punct("{"):
                rc.disk.update(self.options_block("disk"))
            elif kw_ in ("disk", "device", "meta-disk", "flexible-meta-disk", "flex-meta-disk"):
                vol = rc.volumes.setdefault(0, VolumeConfig(number=0, line=tok.line))
                self.volume_stmt(kw_, tok, vol, strict=True)
            elif kw_ == "volume":
                self.volume(rc.volumes, strict=True)
            elif kw_ == "on":
                self.on_section(rc, tok)
            elif kw_ == "connection":
                rc.connections.append(self.connection(tok))
            elif kw_ == "connection-mesh":
                self.mesh(rc, tok)
            elif kw_ == "protocol":
                v = self.word()
                reason = check_value("net", "protocol", v.text)
                if reason:
                    raise self.err(v.line, f"Parse error: {reason}")
                self.expect(";")
                rc.net["protocol"] = v.text
            elif kw_ in ("skip", "floating", "stacked-on-top-of", "ignore-on", "syncer"):
                self.skip_block()
            else:
                raise self.fail(RESOURCE_EXPECTED, tok)

    def volume(self, into: dict[int, VolumeConfig], strict: bool = False) -> None:
        num, ntok = self.integer()
        vol = into.setdefault(num, VolumeConfig(number=num, line=ntok.line))
        self.expect("{")
        while True:
            tok = self.next(VOLUME_EXPECTED)
            if tok.is_punct("}"):
                return
            kw_ = "" if tok.quoted else tok.text
            if kw_ == "disk" and self.at_punct("{"):
                vol.disk_options.update(self.options_block("disk", _PEER_DEVICE_KEYS))
            elif kw_ in ("device", "disk", "meta-disk", "flex-meta-disk", "flexible-meta-disk"):
                self.volume_stmt(kw_, tok, vol, strict)
            elif kw_ == "skip":
                self.skip_block()
            else:
                raise self.fail(VOLUME_EXPECTED, tok)

    def volume_stmt(self, kw_: str, tok: Token, vol: VolumeConfig, strict: bool = False) -> None:
        """``device …;``, ``disk …;``, ``meta-disk …;`` (volume-level statements).

        ``strict``: resource-level volumes, where drbdadm also checks device names.
        """
        if kw_ == "device":
            first = self.word("minor | TK_PATH")
            if first.text == "minor" and not first.quoted:
                vol.minor = self.integer()[0]
            elif not first.quoted and first.text in RESERVED:
                raise self.fail(VOLUME_EXPECTED, self.next(VOLUME_EXPECTED))
            else:
                explicit: int | None = None
                nxt = self.peek()
                if nxt is not None and nxt.text == "minor" and not nxt.quoted:
                    self.pos += 1
                    explicit = self.integer()[0]
                vol.minor = self._device_minor(first, explicit, strict)
            self.expect(";")
        elif kw_ == "disk":
            vol.disk = self.name("TK_STRING").text
            self.expect(";")
        else:
            parts = [self.name("TK_STRING").text]
            nxt = self.peek()
            if nxt is not None and not nxt.quoted and nxt.text.startswith("["):
                parts.append(self.word().text)  # external meta-disk index: ``/dev/x [0]``
            self.expect(";")
            vol.meta_disk = " ".join(parts)

    def _device_minor(self, tok: Token, explicit: int | None, strict: bool) -> int:
        """The minor of ``device NAME [minor N]``, with drbdadm's device-name rules."""
        name = tok.text.removeprefix("/dev/")
        m = _DRBD_NAME.match(name)
        where = f"{self.path}:{tok.line}"
        if strict and not name.startswith("drbd"):
            raise ResFileError(f"{where}: device name must start with /dev/drbd\n"
                               "\t(/dev/ is optional, but drbd is required)")
        if explicit is not None:
            if strict and m is not None and int(m.group(1)) != explicit:
                raise ResFileError(
                    f"{where}: explicit minor number must match with device name\n"
                    f"\tTry \"device /dev/drbd{explicit} minor {explicit};\",\n"
                    "\tor leave off either device name or explicit minor.\n"
                    "\tArbitrary device names must start with /dev/drbd_\n"
                    "\tmind the '_'! (/dev/ is optional, but drbd_ is required)"
                )
            if strict and m is None and not name.startswith("drbd_"):
                raise ResFileError(
                    f"{where}: arbitrary device name must start with /dev/drbd_\n"
                    "\tmind the '_'! (/dev/ is optional, but drbd_ is required)"
                )
            return explicit
        if m is None:
            raise ResFileError(f"{where}: no minor given nor device name contains a minor number")
        return int(m.group(1))

    # -- on sections -----------------------------------------------------------------
    def on_section(self, rc: ResourceConfig, kw: Token) -> None:
        name = self.name("TK_STRING")
        first = rc.hosts.get(name.text)
        if first is not None:
            ident = f"'{rc.name}: on {name.text}'"
            raise ResFileError(
                f"{self.path}:{kw.line}: conflicting use of host section {ident} ...\n"
                f"{self.path}:{first.line}: host section {ident} first used here."
            )
        host = HostConfig(name=name.text, line=kw.line)
        rc.hosts[name.text] = host
        self.expect("{")
        while True:
            tok = self.next(ON_EXPECTED)
            if tok.is_punct("}"):
                return
            kw_ = "" if tok.quoted else tok.text
            if kw_ == "node-id":
                nid, ntok = self.integer()
                if nid > 32:
                    raise self.err(ntok.line, f"node-id {nid} => {nid} out of range [0..32].")
                host.node_id = nid
                host.node_id_line = ntok.line
                self.expect(";")
            elif kw_ == "address":
                host.address = self.address()
                self.expect(";")
            elif kw_ == "volume":
                self.volume(host.volumes)
            elif kw_ == "disk" and self.at_punct("{"):
                vol = host.volumes.setdefault(0, VolumeConfig(number=0, line=tok.line))
                vol.disk_options.update(self.options_block("disk", _PEER_DEVICE_KEYS))
            elif kw_ in ("device", "disk", "meta-disk", "flexible-meta-disk", "flex-meta-disk"):
                vol = host.volumes.setdefault(0, VolumeConfig(number=0, line=tok.line))
                self.volume_stmt(kw_, tok, vol)
            elif kw_ == "skip":
                self.skip_block()
            else:
                raise self.fail(ON_EXPECTED, tok, tk=False)

    def address(self) -> Address:
        """``[family] ip:port`` — ipv6 hosts in brackets, ipv4 hosts as dotted quads."""
        tok = self.word("TK_IPADDR")
        family = "ipv4"
        if not tok.quoted and tok.text in ADDRESS_FAMILIES:
            family = tok.text
            tok = self.word("TK_IPADDR")
        elif not tok.quoted and tok.text.startswith("["):
            raise ResFileError(
                f"{self.path}:{tok.line}: Parse error: 'ssocks | sdp | ipv4 | ipv6 | "
                "<ipv4 address> ' expected,\n\tbut got '['"
            )
        if tok.quoted:
            raise self.fail("TK_IPADDR", tok)
        text = tok.text
        if family == "ipv6":
            if not text.startswith("["):
                raise ResFileError(f"{self.path}:{tok.line}: Parse error: '[' expected,\n"
                                   f"\tbut got '{text}' (TK 303)")
            end = text.find("]")
            if end < 0:
                raise self.fail("]", tok)
            host, rest = text[1:end], text[end + 1:]
        else:
            host, sep, port_part = text.partition(":")
            rest = sep + port_part
            if family == "ipv4" and not _IPV4.match(host):
                raise self.fail("TK_IPADDR", Token(host, tok.line))
        if not rest:
            rest = self._detached_port()
        if not rest.startswith(":"):
            raise self._colon_missing(tok, rest)
        port_s = rest[1:]
        if not _INT.match(port_s):
            raise ResFileError(
                f"{self.path}:{tok.line}: Parse error: 'TK_INTEGER' expected,\n"
                f"\tbut got '{port_s}'"
            )
        port = int(port_s)
        if not 1 <= port <= 65535:
            raise self.err(tok.line, f"port {port} => {port} out of range [1..65535].")
        return Address(family, host, port)

    def _detached_port(self) -> str:
        """drbdadm also accepts ``10.0.0.1 :7000`` and ``10.0.0.1 : 7000``."""
        nxt = self.peek()
        if nxt is None or nxt.quoted or not nxt.text.startswith(":"):
            return ""
        self.pos += 1
        if nxt.text == ":" and (num := self.peek()) is not None and not num.quoted:
            self.pos += 1
            return ":" + num.text
        return nxt.text

    def _colon_missing(self, tok: Token, rest: str) -> ResFileError:
        if rest:
            return ResFileError(
                f"{self.path}:{tok.line}: Parse error: ':' expected,\n\tbut got '{rest}'"
            )
        nxt = self.peek()
        got = f"'{nxt.text}'{nxt.tk}" if nxt is not None else "end of file"
        line = nxt.line if nxt is not None else tok.line
        return ResFileError(f"{self.path}:{line}: Parse error: ':' expected,\n\tbut got {got}")

    # -- connections -----------------------------------------------------------------
    def connection(self, kw: Token) -> ConnectionConfig:
        conn = ConnectionConfig(line=kw.line)
        if not self.at_punct("{"):
            self.name()  # optional connection name
        self.expect("{")
        while True:
            tok = self.next(CONNECTION_EXPECTED)
            if tok.is_punct("}"):
                return conn
            kw_ = "" if tok.quoted else tok.text
            if kw_ == "host":
                conn.hosts.append(self.host_line())
            elif kw_ == "path":
                conn.paths.append(self.path_block())
            elif kw_ == "net":
                conn.net.update(self.options_block("net"))
            elif kw_ == "disk":
                conn.disk.update(self.options_block("disk"))
            elif kw_ in ("volume", "skip"):
                self.skip_block()
            else:
                raise self.fail(CONNECTION_EXPECTED, tok)

    def host_line(self) -> tuple[str, Address | None]:
        name = self.name("TK_STRING").text
        addr: Address | None = None
        while True:
            tok = self.next(";")
            if tok.is_punct(";"):
                return name, addr
            if tok.text == "address" and not tok.quoted:
                addr = self.address()
            elif tok.text == "port" and not tok.quoted:
                self.integer()
            elif tok.text == "via" and not tok.quoted:
                while not self.at_punct(";"):
                    self.next(";")
            else:
                raise self.fail("address | port | via | ;", tok)

    def path_block(self) -> PathConfig:
        self.expect("{")
        hosts: list[tuple[str, Address | None]] = []
        while True:
            tok = self.next("host | }")
            if tok.is_punct("}"):
                return PathConfig(hosts=hosts)
            if tok.text != "host" or tok.quoted:
                raise self.fail("host | }", tok)
            hosts.append(self.host_line())

    def mesh(self, rc: ResourceConfig, kw: Token) -> None:
        rc.mesh = rc.mesh or []
        rc.mesh_line = kw.line
        self.expect("{")
        while True:
            tok = self.next("hosts | net | }")
            if tok.is_punct("}"):
                return
            if tok.text == "hosts" and not tok.quoted:
                while not self.at_punct(";"):
                    rc.mesh.append(self.name().text)
                self.expect(";")
            elif tok.text == "net" and not tok.quoted:
                rc.net.update(self.options_block("net"))
            else:
                raise self.fail("hosts | net | }", tok)


def parse_file(text: str, path: str = "<string>") -> ParsedFile:
    """Parse one file's text; includes are listed, not followed."""
    return _Parser(text, path).parse_file()


def parse(text: str, path: str = "<string>") -> list[ResourceConfig]:
    """The resources defined in one file (``include`` directives are ignored here)."""
    return parse_file(text, path).resources
