"""Emulated DRBD 9 + LVM nodes behind real asyncssh servers.

The emulator imports nothing from :mod:`drbdeck.backend` except the on-disk format
knowledge (the ``.res`` parser and the metadata size math), so it stays an honest stand-in
for a real node: the controller cannot accidentally share state with it.
"""
