"""Emulated DRBD 9 + LVM nodes behind real asyncssh servers.

The emulator imports nothing from :mod:`drbdeck.backend` except the on-disk format
knowledge (the ``.res`` parser and the metadata size math), so it stays an honest stand-in
for a real node: the controller cannot accidentally share state with it.

Modules: ``core`` (the command contract), ``node`` (:class:`EmulatedNode`), ``cluster``
(:class:`Cluster`), ``server``/``sftp`` (asyncssh per node), ``shell`` (command lines),
``builtins``/``lvm_cmds`` (the programs), ``lvm``/``lvm_report`` (the LVM model and its
reports), ``fs``/``seed``/``loops`` (files, /proc, loop devices), ``statedir``, ``cli`` and
``ctl`` (``drbdeck emulator [ctl]``), ``drbd_glue`` (optional link to ``drbd/``).
"""
