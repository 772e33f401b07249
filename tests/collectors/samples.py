# ruff: noqa: E501
"""events2 samples from drbd.md §1.6 (3-node resource r0 during a resync)."""

from __future__ import annotations

ALPHA = """\
2025-06-02T12:00:00.004811+00:00 exists resource name:r0 role:Primary suspended:no force-io-failures:no may_promote:no promotion_score:10101
2025-06-02T12:00:00.004811+00:00 exists connection name:r0 peer-node-id:2 conn-name:charlie connection:Connected role:Secondary
2025-06-02T12:00:00.004811+00:00 exists connection name:r0 peer-node-id:1 conn-name:bravo connection:Connecting role:Unknown
2025-06-02T12:00:00.004811+00:00 exists device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:UpToDate client:no open:yes quorum:yes
2025-06-02T12:00:00.004811+00:00 exists peer-device name:r0 peer-node-id:2 conn-name:charlie volume:0 replication:Established peer-disk:Diskless peer-client:yes resync-suspended:no
2025-06-02T12:00:00.004811+00:00 exists path name:r0 peer-node-id:2 conn-name:charlie local:ipv4:10.0.0.1:7000 peer:ipv4:10.0.0.3:7000 established:yes
2025-06-02T12:00:00.004811+00:00 exists peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:Off peer-disk:DUnknown peer-client:no resync-suspended:no
2025-06-02T12:00:00.004811+00:00 exists path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 peer:ipv4:10.0.0.2:7000 established:no
2025-06-02T12:00:00.005127+00:00 exists -
2025-06-02T12:00:41.512003+00:00 change path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 peer:ipv4:10.0.0.2:7000 established:yes
2025-06-02T12:00:41.530118+00:00 change connection name:r0 peer-node-id:1 conn-name:bravo connection:Connected role:Secondary
2025-06-02T12:00:41.534277+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:WFBitMapS peer-disk:Outdated peer-client:no
2025-06-02T12:00:41.561930+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no done:0.00
2025-06-02T12:00:44.570442+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:18.66
2025-06-02T12:00:47.580915+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:37.50
2025-06-02T12:00:50.591388+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:56.21
2025-06-02T12:00:53.601861+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:74.98
2025-06-02T12:00:56.612334+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:93.70
2025-06-02T12:00:57.731020+00:00 change resource name:r0 may_promote:no promotion_score:10102
2025-06-02T12:00:57.731020+00:00 change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:Established peer-disk:UpToDate peer-client:no
""".splitlines()

ALPHA_STATISTICS = """\
exists resource name:r0 role:Primary suspended:no force-io-failures:no write-ordering:flush may_promote:no promotion_score:10101
exists connection name:r0 peer-node-id:1 conn-name:bravo connection:Connecting role:Unknown congested:no ap-in-flight:0 rs-in-flight:0
exists device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:UpToDate client:no open:yes quorum:yes size:1371956 read:20934 written:3311208 al-writes:518 bm-writes:37 upper-pending:0 lower-pending:0 al-suspended:no blocked:no
change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:37.50 received:0 sent:514484 out-of-sync:857472 pending:0 unacked:0 dbdt1:85.55 eta:10
""".splitlines()

ALPHA_FULL_PROGRESS = """\
change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no resync-suspended:no done:37.50 received:0 sent:514484 out-of-sync:857472 pending:0 unacked:0 rs-total:2743912 rs-dt-start-ms:6030 rs-paused-ms:0 rs-dt0-ms:6030 rs-db0-sectors:1028968 rs-dt1-ms:3010 rs-db1-sectors:527360 rs-failed:0 rs-same-csum:0 dbdt:83.32 dbdt0:83.32 dbdt1:85.55 eta:10
""".splitlines()

BRAVO = """\
exists device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:Consistent client:no open:no quorum:no
exists -
change resource name:r0 may_promote:no promotion_score:1
change connection name:r0 peer-node-id:0 conn-name:alpha connection:Connected role:Primary
change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:Outdated client:no open:no quorum:yes
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:WFBitMapT peer-disk:UpToDate peer-client:no
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:WFSyncUUID
call helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 helper:before-resync-target
response helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 helper:before-resync-target status:0
change resource name:r0 may_promote:no promotion_score:10001
change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:Inconsistent client:no open:no quorum:yes
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:SyncTarget done:0.00
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:18.66
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:37.50
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:56.21
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:74.98
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:93.70
change resource name:r0 may_promote:no promotion_score:10102
change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:UpToDate client:no open:no quorum:yes
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:Established
call helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 helper:after-resync-target
response helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 helper:after-resync-target status:0
""".splitlines()

CHARLIE = """\
exists device name:r0 volume:0 minor:1000 backing_dev:none disk:Diskless client:yes open:no quorum:yes
exists peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no
change connection name:r0 peer-node-id:1 conn-name:bravo connection:Connected role:Secondary
change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:Established peer-disk:Outdated peer-client:no
change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 peer-disk:Inconsistent peer-client:no
change resource name:r0 may_promote:no promotion_score:2
change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 peer-disk:UpToDate peer-client:no
""".splitlines()
