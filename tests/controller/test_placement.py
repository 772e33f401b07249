"""Auto-place scenarios (linstor.md §5): each case states the rule it pins down."""

from __future__ import annotations

import pytest

from drbdeck.backend.placement import (
    WARN_RSC_ALREADY_DEPLOYED,
    Deployed,
    NotEnoughNodes,
    PlacementInputError,
    PlaceRequest,
    PoolCandidate,
    place,
)

GIB = 1024 * 1024


def pool(node: str, free: int = 100 * GIB, **kw: object) -> PoolCandidate:
    kw.setdefault("pool", "pool1")
    kw.setdefault("provider", "LVM")
    kw.setdefault("total_kib", 200 * GIB)
    return PoolCandidate(node=node, free_kib=free, **kw)  # type: ignore[arg-type]


def req(**kw: object) -> PlaceRequest:
    kw.setdefault("size_kib", GIB)
    return PlaceRequest(**kw)  # type: ignore[arg-type]


def nodes_of(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [n for n, _ in result.diskful]


def test_most_free_space_wins() -> None:
    pools = [pool("a", 10 * GIB), pool("b", 50 * GIB), pool("c", 30 * GIB), pool("d", 5 * GIB)]
    result = place("r", req(place_count=2), pools)
    assert result.diskful == [("b", "pool1"), ("c", "pool1")]


def test_resource_count_breaks_exact_ties() -> None:
    pools = [pool("a", rsc_count=9), pool("b", rsc_count=3), pool("c", rsc_count=5)]
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


def test_free_space_beats_resource_count() -> None:
    pools = [pool("a", 100 * GIB, rsc_count=50), pool("b", 99 * GIB, rsc_count=0)]
    assert nodes_of(place("r", req(place_count=1), pools)) == ["a"]


def test_equal_score_orders_by_node_then_pool() -> None:
    pools = [pool("b"), pool("a", pool="z"), pool("a", pool="y"), pool("c")]
    assert place("r", req(place_count=2), pools).diskful == [("a", "y"), ("b", "pool1")]


def test_offline_nodes_are_skipped() -> None:
    pools = [pool("a", 500 * GIB, node_online=False), pool("b"), pool("c", 10 * GIB)]
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


@pytest.mark.parametrize("flag", ["DELETE", "EVACUATE"])
def test_flagged_nodes_are_skipped(flag: str) -> None:
    pools = [pool("a", 500 * GIB, node_flags={flag}), pool("b"), pool("c")]
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


def test_controller_node_type_is_skipped() -> None:
    pools = [pool("a", 500 * GIB, node_type="CONTROLLER"), pool("b"), pool("c")]
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


@pytest.mark.parametrize("where", ["node_props", "pool_props"])
def test_autoplace_target_false_excludes(where: str) -> None:
    pools = [pool("a", 500 * GIB, **{where: {"AutoplaceTarget": "false"}}), pool("b"), pool("c")]
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


def test_one_replica_per_node() -> None:
    pools = [pool("a", 90 * GIB, pool="p1"), pool("a", 80 * GIB, pool="p2"), pool("b", GIB * 2)]
    assert place("r", req(place_count=2), pools).diskful == [("a", "p1"), ("b", "pool1")]


def test_node_already_holding_the_resource_is_excluded() -> None:
    pools = [pool("a", 500 * GIB), pool("b"), pool("c", 50 * GIB)]
    deployed = [Deployed("a", "pool1", "LVM")]
    result = place("r", req(place_count=3), pools, deployed)
    assert nodes_of(result) == ["b", "c"]


def test_storage_pool_restricts() -> None:
    pools = [pool("a", 500 * GIB, pool="fast"), pool("b", pool="slow"), pool("c", pool="slow")]
    result = place("r", req(place_count=2, storage_pools=["slow"]), pools)
    assert result.diskful == [("b", "slow"), ("c", "slow")]


def test_provider_list_restricts() -> None:
    pools = [
        pool("a", 500 * GIB, provider="LVM_THIN", thin=True),
        pool("b", provider="LVM"),
        pool("c", provider="LVM"),
    ]
    assert nodes_of(place("r", req(place_count=2, provider_list=["LVM"]), pools)) == ["b", "c"]


def test_do_not_place_with_names() -> None:
    pools = [pool("a", 500 * GIB), pool("b", 400 * GIB), pool("c"), pool("d")]
    placements = {"a": {"db1"}, "b": {"web"}}
    result = place("r", req(place_count=2, do_not_place_with=["db1"]), pools, (), placements)
    assert nodes_of(result) == ["b", "c"]


def test_do_not_place_with_regex() -> None:
    pools = [pool("a", 500 * GIB), pool("b", 400 * GIB), pool("c"), pool("d")]
    placements = {"a": {"db1"}, "b": {"db22"}, "c": {"web"}}
    result = place(
        "r", req(place_count=2, do_not_place_with_regex="db[0-9]+"), pools, (), placements
    )
    assert nodes_of(result) == ["c", "d"]


def test_replicas_on_same_with_aux_props() -> None:
    pools = [
        pool("a", 500 * GIB, node_props={"Aux/site": "x"}),
        pool("b", 100 * GIB, node_props={"Aux/site": "y"}),
        pool("c", 90 * GIB, node_props={"Aux/site": "y"}),
        pool("d", 900 * GIB),  # no site prop: never qualifies
    ]
    result = place("r", req(place_count=2, replicas_on_same=["site"]), pools)
    assert nodes_of(result) == ["b", "c"]


def test_replicas_on_same_follows_deployed_value() -> None:
    pools = [
        pool("a", 10 * GIB, node_props={"Aux/site": "x"}),
        pool("b", 500 * GIB, node_props={"Aux/site": "y"}),
        pool("c", 400 * GIB, node_props={"Aux/site": "y"}),
        pool("e", 20 * GIB, node_props={"Aux/site": "x"}),
    ]
    deployed = [Deployed("a", "pool1", "LVM")]
    result = place("r", req(place_count=2, replicas_on_same=["Aux/site"]), pools, deployed)
    assert nodes_of(result) == ["e"]


def test_replicas_on_same_fixed_value() -> None:
    pools = [
        pool(n, (10 - i) * GIB, node_props={"Aux/dc": d})
        for i, (n, d) in enumerate([("a", "1"), ("b", "2"), ("c", "2"), ("d", "1")])
    ]
    result = place("r", req(place_count=2, replicas_on_same=["dc=2"]), pools)
    assert nodes_of(result) == ["b", "c"]


def test_replicas_on_different() -> None:
    pools = [
        pool("a", 500 * GIB, node_props={"Aux/rack": "1"}),
        pool("b", 400 * GIB, node_props={"Aux/rack": "1"}),
        pool("c", 300 * GIB, node_props={"Aux/rack": "2"}),
        pool("d", 200 * GIB, node_props={"Aux/rack": "2"}),
        pool("e", 100 * GIB, node_props={"Aux/rack": "3"}),
    ]
    result = place("r", req(place_count=3, replicas_on_different=["rack"]), pools)
    assert nodes_of(result) == ["a", "c", "e"]


def test_replicas_on_different_counts_deployed() -> None:
    pools = [
        pool("a", node_props={"Aux/rack": "1"}),
        pool("b", 500 * GIB, node_props={"Aux/rack": "1"}),
        pool("c", 10 * GIB, node_props={"Aux/rack": "2"}),
    ]
    deployed = [Deployed("a", "pool1", "LVM")]
    result = place("r", req(place_count=2, replicas_on_different=["rack"]), pools, deployed)
    assert nodes_of(result) == ["c"]


def test_x_replicas_on_different() -> None:
    pools = [
        pool("a", 500 * GIB, node_props={"Aux/zone": "z1"}),
        pool("b", 400 * GIB, node_props={"Aux/zone": "z1"}),
        pool("c", 300 * GIB, node_props={"Aux/zone": "z1"}),
        pool("d", 100 * GIB, node_props={"Aux/zone": "z2"}),
    ]
    result = place("r", req(place_count=3, x_replicas_on_different={"zone": 2}), pools)
    assert nodes_of(result) == ["a", "b", "d"]


def test_two_different_keys_both_apply() -> None:
    # b differs from a in rack but shares its room, so the pair must be a + c.
    pools = [
        pool("a", 500 * GIB, node_props={"Aux/rack": "1", "Aux/room": "x"}),
        pool("b", 400 * GIB, node_props={"Aux/rack": "2", "Aux/room": "x"}),
        pool("c", 300 * GIB, node_props={"Aux/rack": "3", "Aux/room": "y"}),
    ]
    result = place("r", req(place_count=2, replicas_on_different=["rack", "room"]), pools)
    assert nodes_of(result) == ["a", "c"]


def test_additional_place_count_adds_n() -> None:
    pools = [pool("a"), pool("b"), pool("c", 50 * GIB), pool("d", 500 * GIB)]
    deployed = [Deployed("a", "pool1", "LVM"), Deployed("b", "pool1", "LVM")]
    result = place("r", req(additional_place_count=1), pools, deployed)
    assert nodes_of(result) == ["d"]
    assert result.tiebreaker is None  # 3 diskful: odd


def test_resource_group_place_count_is_the_default() -> None:
    pools = [pool("a"), pool("b"), pool("c")]
    assert len(place("r", req(resource_group_place_count=3), pools).diskful) == 3


def test_already_deployed_warns_and_places_nothing() -> None:
    pools = [pool("a"), pool("b"), pool("c")]
    deployed = [Deployed("a", "pool1", "LVM"), Deployed("b", "pool1", "LVM")]
    result = place("rsc", req(place_count=2), pools, deployed)
    assert result.diskful == [] and result.tiebreaker is None
    [warn] = result.warnings
    assert warn.code == WARN_RSC_ALREADY_DEPLOYED
    assert warn.message == "Resource 'rsc' was already deployed on 2 nodes. Skipping."
    assert warn.details == "Used nodes: 'a', 'b'"


def test_place_count_lower_than_deployed_warns() -> None:
    pools = [pool("a"), pool("b"), pool("c")]
    deployed = [Deployed(n, "pool1", "LVM") for n in "abc"]
    [warn] = place("rsc", req(place_count=1), pools, deployed).warnings
    assert warn.message == (
        "The resource 'rsc' was already deployed on 3 nodes: 'a', 'b', 'c'. "
        "The resource would have to be deleted from nodes to reach the placement count."
    )


def test_deleting_and_diskless_replicas_do_not_count() -> None:
    pools = [pool("a"), pool("b"), pool("c"), pool("d", 500 * GIB)]
    deployed = [
        Deployed("a", "pool1", "LVM"),
        Deployed("b", "pool1", "LVM", deleting=True),
        Deployed("c", "DfltDisklessStorPool", "DISKLESS", diskless=True),
    ]
    result = place("r", req(place_count=2), pools, deployed)
    assert nodes_of(result) == ["d"]  # b and c hold the resource already
    assert result.tiebreaker is None  # the diskless on c already breaks ties


def test_not_enough_nodes_message_and_details() -> None:
    pools = [pool("a"), pool("b", node_online=False)]
    with pytest.raises(NotEnoughNodes) as err:
        place("r", req(place_count=2, storage_pools=["pool1"], size_kib=102400), pools)
    assert err.value.message == "Not enough available nodes"
    assert err.value.code == "FAIL_NOT_ENOUGH_NODES"
    assert err.value.details == (
        "Not enough nodes fulfilling the following auto-place criteria:\n"
        " * has a deployed storage pool named [pool1]\n"
        " * the storage pools have to have at least '102400' free space\n"
        " * the current access context has enough privileges to use the node and the "
        "storage pool\n"
        " * the node is online\n"
        "\n"
        "Auto-place configuration details:\n"
        "   Replica count: 2\n"
        "   Storage pool name:\n"
        "      pool1\n"
    )


def test_not_enough_nodes_echoes_every_set_field() -> None:
    pools = [pool("a")]
    request = req(
        additional_place_count=3,
        storage_pools=["p1", "p2"],
        do_not_place_with=["x"],
        do_not_place_with_regex="db.*",
        replicas_on_same=["Aux/site"],
        replicas_on_different=["Aux/rack", "Aux/room"],
        x_replicas_on_different={"Aux/zone": 2},
        provider_list=["LVM", "LVM_THIN"],
        diskless_on_remaining=True,
    )
    with pytest.raises(NotEnoughNodes) as err:
        place("r", request, pools)
    config = err.value.details.split("Auto-place configuration details:\n")[1]
    assert config == (
        "   Additional replica count: 3\n"
        "   Storage pool names:\n      p1\n      p2\n"
        "   Do not place with resource:\n      x\n"
        "   Do not place with resource (regex): db.*\n"
        "   Replicas on nodes with same property:\n      Aux/site\n"
        "   Replicas on nodes with different properties:\n      Aux/rack\n      Aux/room\n"
        "   X replicas on nodes with different property:\n      Aux/zone: 2\n"
        "   Allowed Providers:\n      LVM\n      LVM_THIN\n"
        "   Diskless on remaining: true\n"
    )
    assert " * has a deployed storage pool named [p1, p2]\n" in err.value.details


def test_not_enough_nodes_without_pool_list_omits_pool_bullets() -> None:
    with pytest.raises(NotEnoughNodes) as err:
        place("r", req(place_count=3), [pool("a"), pool("b")])
    assert err.value.details.startswith(
        "Not enough nodes fulfilling the following auto-place criteria:\n"
        " * the current access context"
    )


def test_too_little_free_space() -> None:
    pools = [pool("a", 5 * GIB), pool("b", 10 * GIB - 1), pool("c", 10 * GIB)]
    assert nodes_of(place("r", req(place_count=1, size_kib=10 * GIB), pools)) == ["c"]
    with pytest.raises(NotEnoughNodes):
        place("r", req(place_count=2, size_kib=10 * GIB), pools)


def test_thin_pool_keeps_ten_percent_free() -> None:
    total = 100 * GIB
    below = pool("a", 10 * GIB - 1, total_kib=total, provider="LVM_THIN", thin=True)
    exact = pool("b", 10 * GIB, total_kib=total, provider="LVM_THIN", thin=True)
    thick = pool("c", 5 * GIB, total_kib=total)  # thick: only the size matters
    assert nodes_of(place("r", req(place_count=1, provider_list=["LVM_THIN"]), [below, exact])) == [
        "b"
    ]
    with pytest.raises(NotEnoughNodes):
        place("r", req(place_count=2, provider_list=["LVM_THIN"]), [below, exact])
    assert nodes_of(place("r", req(place_count=1), [thick])) == ["c"]


def test_tiebreaker_for_two_diskful_when_a_third_node_exists() -> None:
    pools = [
        pool("a", 500 * GIB),
        pool("b", 400 * GIB),
        pool("c", GIB // 2),  # too small for a replica, fine for a tie-breaker
        pool("d", GIB // 2),
        pool("e", node_online=False),
    ]
    placements = {"c": {"x", "y"}, "d": {"z"}}
    result = place("r", req(place_count=2), pools, (), placements)
    assert nodes_of(result) == ["a", "b"]
    assert result.tiebreaker == "d"  # fewest resources; e is offline
    assert result.diskless == []


def test_tiebreaker_ties_go_by_name() -> None:
    pools = [pool("a", 500 * GIB), pool("b", 400 * GIB), pool("d", GIB // 2), pool("c", GIB // 2)]
    assert place("r", req(place_count=2), pools).tiebreaker == "c"


def test_tiebreaker_from_a_diskless_pool() -> None:
    pools = [pool("a"), pool("b"), pool("c", 0, pool="DfltDisklessStorPool", provider="DISKLESS")]
    result = place("r", req(place_count=2), pools)
    assert nodes_of(result) == ["a", "b"] and result.tiebreaker == "c"


def test_no_tiebreaker_with_diskless_on_remaining() -> None:
    pools = [pool("a", 500 * GIB), pool("b", 400 * GIB), pool("c"), pool("d")]
    result = place("r", req(place_count=2, diskless_on_remaining=True), pools)
    assert nodes_of(result) == ["a", "b"]
    assert result.diskless == ["c", "d"]
    assert result.tiebreaker is None


def test_no_tiebreaker_for_three_replicas_or_two_nodes() -> None:
    pools = [pool("a"), pool("b"), pool("c"), pool("d")]
    assert place("r", req(place_count=3), pools).tiebreaker is None
    assert place("r", req(place_count=2), pools[:2]).tiebreaker is None
    assert place("r", req(place_count=4), pools).tiebreaker is None  # no 5th node


def test_diskless_on_remaining_skips_offline_and_holding_nodes() -> None:
    pools = [pool("a"), pool("b"), pool("c", node_online=False), pool("d"), pool("e")]
    deployed = [Deployed("d", "pool1", "LVM")]
    result = place("r", req(place_count=2, diskless_on_remaining=True), pools, deployed)
    assert nodes_of(result) == ["a"]
    assert result.diskless == ["b", "e"]


def test_provider_mixing_refused() -> None:
    pools = [pool("a"), pool("b", 500 * GIB, provider="LVM_THIN", thin=True), pool("c", GIB * 2)]
    deployed = [Deployed("a", "pool1", "LVM")]
    assert nodes_of(place("r", req(place_count=2), pools, deployed)) == ["c"]
    with pytest.raises(NotEnoughNodes):
        place("r", req(place_count=3), pools, deployed)
    assert nodes_of(place("r", req(place_count=3), pools, deployed, allow_mixing=True)) == [
        "b",
        "c",
    ]


def test_new_replicas_do_not_mix_kinds_among_themselves() -> None:
    pools = [
        pool("a", 500 * GIB, provider="LVM_THIN", thin=True),
        pool("b", 400 * GIB),
        pool("c", 10 * GIB),
    ]
    # a+b has the highest sum but mixes kinds; b+c is the best single-kind pair.
    assert nodes_of(place("r", req(place_count=2), pools)) == ["b", "c"]


def test_determinism_independent_of_input_order() -> None:
    pools = [pool(f"n{i:02d}", (i % 4) * GIB + GIB, rsc_count=i % 3) for i in range(30)]
    first = place("r", req(place_count=3), pools)
    for shift in range(1, 30, 7):
        again = place("r", req(place_count=3), pools[shift:] + pools[:shift])
        assert again == first
    assert place("r", req(place_count=3), list(reversed(pools))) == first


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"place_count": 0}, "place_count"),
        ({"place_count": -2}, "place_count"),
        ({"additional_place_count": 0}, "additional_place_count"),
        ({"place_count": 2, "additional_place_count": 1}, "additional_place_count"),
        ({"place_count": "2"}, "place_count"),
        ({"size_kib": -1}, "size_kib"),
        ({"provider_list": ["LVMX"]}, "provider_list"),
        ({"do_not_place_with_regex": "db[("}, "do_not_place_with_regex"),
        ({"x_replicas_on_different": {"zone": 0}}, "x_replicas_on_different"),
        ({"storage_pools": [""]}, "storage_pools"),
    ],
)
def test_bad_request_names_field(fields: dict[str, object], field_name: str) -> None:
    with pytest.raises(PlacementInputError) as err:
        place("r", req(**fields), [pool("a"), pool("b")])
    assert err.value.field == field_name
    assert str(err.value).startswith(f"{field_name}: ")


def test_search_beats_greedy_when_the_best_pool_blocks_better_pairs() -> None:
    # a is best alone, but it conflicts with b (rack) and c (room); b + c outscore a + d.
    pools = [
        pool("a", 100 * GIB, node_props={"Aux/rack": "1", "Aux/room": "x"}),
        pool("b", 90 * GIB, node_props={"Aux/rack": "1", "Aux/room": "y"}),
        pool("c", 90 * GIB, node_props={"Aux/rack": "2", "Aux/room": "x"}),
        pool("d", 1 * GIB, node_props={"Aux/rack": "3", "Aux/room": "z"}),
    ]
    request = req(place_count=2, replicas_on_different=["rack", "room"])
    assert nodes_of(place("r", request, pools)) == ["b", "c"]


def test_search_finds_the_only_set_at_the_end_of_100_nodes() -> None:
    pools = [
        pool(f"n{i:03d}", (200 - i) * GIB, pool=f"p{j}", node_props={"Aux/rack": str(i % 2)})
        for i in range(99)
        for j in range(2)
    ]
    pools.append(pool("n099", 2 * GIB, node_props={"Aux/rack": "9"}))
    request = req(place_count=3, replicas_on_different=["rack"])
    assert nodes_of(place("r", request, pools)) == ["n000", "n001", "n099"]
    with pytest.raises(NotEnoughNodes):
        place("r", req(place_count=4, replicas_on_different=["rack"]), pools)


def test_weights_override_changes_the_winner() -> None:
    from drbdeck.backend.placement import Weights

    pools = [pool("a", 100 * GIB, rsc_count=10), pool("b", 90 * GIB, rsc_count=1)]
    assert nodes_of(place("r", req(place_count=1), pools)) == ["a"]
    heavy = Weights(max_free_space=1.0, min_rsc_count=1.0)
    assert nodes_of(place("r", req(place_count=1), pools, weights=heavy)) == ["b"]


def test_tiebreaker_respects_autoplace_target_and_can_be_off() -> None:
    pools = [
        pool("a", 500 * GIB),
        pool("b", 400 * GIB),
        pool("c", GIB // 2, node_props={"AutoplaceTarget": "false"}),
        pool("d", GIB // 2),
    ]
    placements = {"d": {"x", "y", "z"}}
    assert place("r", req(place_count=2), pools, (), placements).tiebreaker == "d"
    assert place("r", req(place_count=2), pools, auto_tiebreaker=False).tiebreaker is None
