"""The router model and haproxy.cfg renderer: pure, deterministic, closed to injection."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from superspec.errors import InputError
from superspec.router.config import (
    Backend,
    Router,
    Server,
    Upstream,
    render,
    shared_host,
)


def payments() -> Router:
    return Router(
        env="test",
        backends=(
            Backend("payments", hosts=("payments.test",), health_path="/healthz",
                    servers=(Server("payments-v2", 8080, weight=0),
                             Server("payments-v1", 8080, weight=100))),
            Backend("orders", hosts=("orders.test", "ORDERS.example"),
                    servers=(Server("orders-v1", 9000, state="maint"),)),
        ),
        default_backend="payments")


def test_the_config_holds_the_documented_sections() -> None:
    text = render(payments())
    assert "    stats socket /run/haproxy-admin.sock mode 600 level admin\n" in text
    assert "    server-state-file /var/lib/haproxy/server-state\n" in text
    assert "resolvers docker\n    nameserver dns 127.0.0.11:53\n" in text
    assert "defaults\n    mode http\n" in text
    assert "    load-server-state-from-file global\n" in text
    assert "frontend env\n    bind :8080\n" in text
    assert ("    use_backend orders if { var(txn.host) -m str orders.example orders.test }\n"
            in text)
    assert "    use_backend payments if { var(txn.host) -m str payments.test }\n" in text
    assert "    default_backend payments\n" in text
    backend = text[text.index("\nbackend payments\n"):]
    assert backend == (
        "\nbackend payments\n"
        "    balance roundrobin\n"
        "    option httpchk GET /healthz\n"
        "    http-check expect status 200-399\n"
        "    default-server inter 1s fastinter 200ms downinter 200ms fall 2 rise 3 "
        "resolvers docker resolve-prefer ipv4 init-addr last,libc,none\n"
        "    server payments-v1 payments-v1:8080 check weight 100\n"
        "    server payments-v2 payments-v2:8080 check weight 0\n")
    assert "    server orders-v1 orders-v1:9000 check weight 100 disabled init-addr none\n" in text


def test_rendering_is_deterministic_whatever_the_order() -> None:
    shuffled = Router(env="test", backends=tuple(reversed(payments().backends)),
                      default_backend="payments")
    assert render(shuffled) == render(payments())
    assert shuffled == payments()


def test_the_upstream_takes_unmatched_requests() -> None:
    router = Router(env="feature-1", backends=(Backend("web", hosts=("web.feature-1",)),),
                    upstream=Upstream("router-test", 8080))
    text = render(router)
    assert "    default_backend superspec-upstream\n" in text
    assert text.endswith("backend superspec-upstream\n"
                         "    default-server inter 1s fastinter 200ms downinter 200ms fall 2 "
                         "rise 3 resolvers docker resolve-prefer ipv4 init-addr last,libc,none\n"
                         "    server parent router-test:8080\n")


def test_shared_hosts_are_project_dot_env() -> None:
    assert shared_host("Payments-API", "test") == "payments-api.test"


def test_the_model_round_trips_through_json_data() -> None:
    router = Router(env="f", backends=payments().backends, upstream=Upstream("router-p", 80))
    assert Router.from_dict(router.to_dict()) == router


def test_weights_and_states_are_not_structure() -> None:
    router = payments()
    changed = router.with_server("payments", "payments-v2", weight=100, state="drain")
    assert changed.backend("payments").server("payments-v2") == Server(
        "payments-v2", 8080, weight=100, state="drain")
    assert changed.structure() == router.structure()
    grown = Router(env="test", backends=(*router.backends, Backend("ledger")),
                   default_backend="payments")
    assert grown.structure() != router.structure()


HOSTILE = [
    "a b", "a\nserver evil 1.2.3.4:80", "a#comment", "a;show info", "a}", "%[src]", "",
    "-option", ".hidden", "a/b", "a:80", "naïve", "x" * 129, "a\r", "a\tb", "{ a }",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_names_are_refused_everywhere(value: str) -> None:
    cases = [
        lambda: Router(env=value),
        lambda: Backend(value),
        lambda: Backend("web", hosts=(value,)),
        lambda: Backend("web", servers=(Server(value, 8080),)),
        lambda: Upstream(value),
        lambda: Router(env="e", backends=(Backend("web"),), default_backend=value),
    ]
    for case in cases:
        with pytest.raises(InputError, match="is not a valid name: only letters, digits"):
            case()


@pytest.mark.parametrize("path", ["healthz", "/a b", "/a\nb", "/%[src]", "/#x", "/a;b", "/é"])
def test_hostile_health_paths_are_refused(path: str) -> None:
    with pytest.raises(InputError, match="health_path: .* is not a valid path"):
        Backend("web", health_path=path)


@pytest.mark.parametrize(("server", "message"), [
    (Server("a", 0), "port: 0 is not a whole number from 1 to 65535"),
    (Server("a", True), "port: True is not a whole number"),
    (Server("a", 80, weight=257), "weight: 257 is not a whole number from 0 to 256"),
    (Server("a", 80, weight=-1), "weight: -1 is not"),
    (Server("a", 80, weight="50"), "weight: '50' is not"),  # type: ignore[arg-type]
    (Server("a", 80, state="up"), "state: 'up' is not one of ready, drain, maint"),
])
def test_bad_server_values_are_refused(server: Server, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Backend("web", servers=(server,))


def test_whole_messages_name_the_place() -> None:
    with pytest.raises(InputError) as caught:
        Backend("web", servers=(Server("ok", 80), Server("bad name", 80)))
    assert str(caught.value) == (
        "router backends['web'].servers['bad name'].name: 'bad name' is not a valid name: "
        "only letters, digits, '-', '_' and '.' (starting with a letter or digit, at most 128)")


def test_ambiguities_are_refused() -> None:
    with pytest.raises(InputError, match="backend 'web' appears more than once"):
        Router(env="e", backends=(Backend("web"), Backend("web")))
    with pytest.raises(InputError, match="host 'a.e' appears more than once"):
        Router(env="e", backends=(Backend("web", hosts=("a.e",)), Backend("api", hosts=("A.e",))))
    with pytest.raises(InputError, match="server 'a' appears more than once"):
        Backend("web", servers=(Server("a", 80), Server("a", 81)))
    with pytest.raises(InputError, match="'nope' is not one of the backends"):
        Router(env="e", backends=(Backend("web"),), default_backend="nope")
    with pytest.raises(InputError, match="host 'web' appears more than once"):
        Router(env="e", backends=(Backend("web", hosts=("web",)),),
               upstream=Upstream("router-p", hosts=("web",)))
    with pytest.raises(InputError, match="reserved for the router"):
        Backend("superspec-upstream")
    with pytest.raises(InputError, match="stats_port: 8080 is also the frontend port"):
        Router(env="e", stats_port=8080)


def test_unknown_keys_in_stored_models_are_refused() -> None:
    data = payments().to_dict()
    data["backends"][0]["servers"][0]["extra"] = 1
    with pytest.raises(InputError, match=r"backends\[0\].servers\[0\]: unknown key\(s\) extra"):
        Router.from_dict(data)


def test_with_server_checks_the_new_values() -> None:
    with pytest.raises(InputError, match="weight: 300 is not"):
        payments().with_server("payments", "payments-v1", weight=300)
    with pytest.raises(InputError, match="has no server 'nope'"):
        payments().with_server("payments", "nope", weight=3)


def test_haproxy_accepts_the_rendered_configs(tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy not found: apt-get install haproxy (Debian haproxy 2.6)")
    routers = [payments(), Router(env="empty"),
               Router(env="f", backends=payments().backends, upstream=Upstream("router-p"),
                      admin_from=("172.18.0.1", "172.19.0.1"))]
    for index, router in enumerate(routers):
        config = tmp_path / f"{index}.cfg"
        config.write_text(render(router))
        done = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Configuration file is valid" in done.stdout


def test_an_upstream_takes_its_hosts_and_the_rest_when_there_is_no_default() -> None:
    router = Router(env="feat", backends=(Backend("web", hosts=("web",)),),
                    default_backend="web", upstream=Upstream("ss-test-router", 8080,
                                                             hosts=("Fraud", "api")))
    text = render(router)
    assert ("    use_backend superspec-upstream if { var(txn.host) -m str api fraud }\n"
            "    default_backend web\n") in text
    assert Router.from_dict(router.to_dict()) == router
    alone = render(Router(env="feat", upstream=Upstream("ss-test-router")))
    assert "    default_backend superspec-upstream\n" in alone


def test_servers_sharing_a_dns_name_resolve_it_at_run_time_only() -> None:
    """Swarm slots: every server resolves tasks.<service>, none blocks HAProxy's start on a
    name no healthy task answers yet."""
    router = Router("test", backends=(Backend("shop", servers=(
        Server("slot-1", 8080, host="tasks.ss-test-shop"), Server("slot-2", 8080,
                                                                  host="tasks.ss-test-shop"))),))
    text = render(router)
    assert ("    server slot-1 tasks.ss-test-shop:8080 check weight 100 init-addr last,none\n"
            in text)
    assert Router.from_dict(router.to_dict()) == router
    assert router.to_dict()["backends"][0]["servers"][0]["host"] == "tasks.ss-test-shop"


def checked(**checks: object) -> Backend:
    return Backend("web", hosts=("web.test",), servers=(Server("web-1", 8080),),
                   **checks)  # type: ignore[arg-type]


def test_health_check_settings_are_rendered_per_backend() -> None:
    router = Router(env="test", backends=(
        checked(check_interval_ms=2000, check_timeout_ms=500, rise=5),
        Backend("api", servers=(Server("api-1", 8080),), check_interval_ms=150)))
    text = render(router)
    web = text[text.index("\nbackend web\n"):]
    assert web == (
        "\nbackend web\n"
        "    balance roundrobin\n"
        "    option httpchk GET /healthz\n"
        "    http-check expect status 200-399\n"
        "    timeout check 500ms\n"
        "    default-server inter 2s fastinter 200ms downinter 200ms fall 2 rise 5 "
        "resolvers docker resolve-prefer ipv4 init-addr last,libc,none\n"
        "    server web-1 web-1:8080 check weight 100\n")
    api = text[text.index("\nbackend api\n"):text.index("\nbackend web\n")]
    # an interval under 200 ms is also the interval of servers coming up or going down
    assert ("    default-server inter 150ms fastinter 150ms downinter 150ms fall 2 rise 3 "
            in api)
    assert "timeout check" not in api  # none given: HAProxy's own (the interval)


def test_health_check_defaults_are_the_router_s_former_fixed_ones() -> None:
    backend = Backend("web")
    assert (backend.check_interval_ms, backend.check_timeout_ms, backend.rise) == (1000, None,
                                                                                   3)


def test_health_check_settings_round_trip_and_old_models_load_with_defaults() -> None:
    router = Router(env="test", backends=(
        checked(check_interval_ms=2500, check_timeout_ms=5000, rise=5),))
    data = router.to_dict()
    assert {k: data["backends"][0][k] for k in ("check_interval_ms", "check_timeout_ms",
                                                  "rise")} == {"check_interval_ms": 2500,
                                                               "check_timeout_ms": 5000,
                                                               "rise": 5}
    assert Router.from_dict(data) == router
    for key in ("check_interval_ms", "check_timeout_ms", "rise"):
        del data["backends"][0][key]  # a model stored before these settings existed
    assert Router.from_dict(data) == Router(env="test", backends=(checked(),))


def test_health_check_settings_are_structure() -> None:
    router = Router(env="test", backends=(checked(),))
    for change in ({"check_interval_ms": 2000}, {"check_timeout_ms": 5000}, {"rise": 5}):
        assert Router(env="test", backends=(checked(**change),)).structure() \
            != router.structure(), change
    assert Router(env="test", backends=(checked(),)).structure() == router.structure()


@pytest.mark.parametrize(("checks", "message"), [
    ({"check_interval_ms": 0}, "check_interval_ms: 0 is not a whole number from 1 to"),
    ({"check_timeout_ms": 0}, "check_timeout_ms: 0 is not a whole number from 1 to"),
    ({"rise": 0}, "rise: 0 is not a whole number from 1 to 1000"),
    ({"rise": True}, "rise: True is not a whole number"),
    ({"check_interval_ms": "1s"}, "check_interval_ms: '1s' is not a whole number"),
])
def test_bad_health_check_settings_are_refused(checks: dict[str, object],
                                               message: str) -> None:
    with pytest.raises(InputError, match=message):
        checked(**checks)


def test_haproxy_accepts_the_health_check_settings(tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy not found: apt-get install haproxy (Debian haproxy 2.6)")
    config = tmp_path / "checks.cfg"
    config.write_text(render(Router(env="test", backends=(
        checked(check_interval_ms=2000, check_timeout_ms=500, rise=5),
        Backend("api", check_interval_ms=150, check_timeout_ms=1500)))))
    done = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_runtime_api_answers_only_the_listed_host_addresses() -> None:
    router = replace(payments(), admin_from=("172.18.0.1", "10.0.0.1", "172.18.0.1"))
    text = render(router)
    api = text[text.index("\nlisten superspec-runtime-api\n"):text.index("\nfrontend env\n")]
    assert api == (
        "\nlisten superspec-runtime-api\n"
        "    mode tcp\n"
        "    log-format \"superspec-runtime-api %ci\"\n"
        "    no log\n"
        "    bind ipv4@0.0.0.0:9999\n"
        "    tcp-request connection reject unless { src 10.0.0.1 172.18.0.1 }\n"
        "    server api /run/haproxy-admin.sock\n")
    assert Router.from_dict(router.to_dict()) == router
    # a router recorded before the addresses were: its runtime API is not restricted
    legacy = payments().to_dict()
    del legacy["admin_from"]
    assert "tcp-request connection reject" not in render(Router.from_dict(legacy))


@pytest.mark.parametrize("address", [
    "172.18.0.1 } or { always_true", "0.0.0.0/0", "::1", "host.docker.internal", 1, None])
def test_anything_but_an_ipv4_address_is_refused_as_a_runtime_api_client(address: object) -> None:
    with pytest.raises(InputError, match="router admin_from: .* is not an IPv4 address"):
        Router(env="e", admin_from=(address,))  # type: ignore[arg-type]


def test_the_runtime_api_s_name_is_reserved() -> None:
    with pytest.raises(InputError, match="is reserved for the router"):
        Backend("superspec-runtime-api")
