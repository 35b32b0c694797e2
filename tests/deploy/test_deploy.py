"""deploy/ agrees with the code: every process and port in compose and the Prometheus scrape
config is the one ``Settings`` defaults to, and every metric the alerts and the Grafana
dashboard query is one the processes really export.

No Docker and no network: the files are parsed, and the metrics are read from the
``prometheus_client`` registries the modules fill when they are imported.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client import REGISTRY, CollectorRegistry

from smlog.cli.serve import GRPC_SERVICES, PROCESS_NAMES, SERVICE_NAMES, SIMULATORS
from smlog.config import SECRET_SETTINGS, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "smlog.json"

DEFAULTS = Settings()
SCRAPE_JOB = "smlog"
# Series Prometheus makes itself for every target; not exported by our code.
PROMETHEUS_BUILTINS = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
# More instances of a process, by compose service name -> the process they run.
EXTRA_INSTANCES = {"status-2": "status", "dispatch-2": "dispatch", "dispatch-3": "dispatch"}
# Every container that runs the smlog image with the shared settings.
SMLOG_CONTAINERS = [*PROCESS_NAMES, *EXTRA_INSTANCES, "migrate"]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(DEPLOY / "compose.yaml")
    return doc


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


@pytest.fixture(scope="module")
def prometheus() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    return doc


@pytest.fixture(scope="module")
def alerts() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(DEPLOY / "prometheus" / "alerts.yml")
    return doc


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return doc


# -- what each process listens on, by the code's defaults ----------------------------------


def listen_ports(name: str) -> set[int]:
    """The ports a process serves (not metrics), from ``Settings`` defaults."""
    if name in GRPC_SERVICES:
        ports = {DEFAULTS.grpc_port(name)}
        if name == "status":
            ports.add(DEFAULTS.status_http_port)
        return ports
    http_ports = {
        "voxology-sim": DEFAULTS.voxology_sim_port,
        "mailgun-sim": DEFAULTS.mailgun_sim_port,
        "console": DEFAULTS.console_port,
    }
    return {http_ports[name]}


def metrics_port(name: str) -> int:
    """Where a process serves /metrics: its own metrics port, or the console's HTTP port."""
    return DEFAULTS.console_port if name == "console" else DEFAULTS.metrics_port(name)


def published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port of ``ports`` entries ("[ip:]host:container")."""
    mapping: dict[int, int] = {}
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        mapping[int(parts[-1])] = int(parts[-2])
    return mapping


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def interpolated(env: dict[str, str]) -> dict[str, str]:
    """``env`` as compose would pass it with no variable set: ``${X:-default}`` becomes the
    default, and a required ``${X:?message}`` a stand-in value of its own per variable."""

    def one(match: re.Match[str]) -> str:
        operator, word = match.group(2), match.group(3)
        return word if operator == ":-" else match.group(1).lower().ljust(40, "x")

    pattern = re.compile(r"\$\{([A-Z0-9_]+)(:-|:\?)([^}]*)\}")
    return {key: pattern.sub(one, value) for key, value in env.items()}


def test_compose_runs_every_process_with_serve_and_one_image(services: dict[str, Any]) -> None:
    assert set(PROCESS_NAMES) <= set(services)
    assert set(services) - set(PROCESS_NAMES) == {
        "certs", "prometheus", "grafana", "postgres", "migrate", *EXTRA_INSTANCES,
    }  # fmt: skip
    assert services["certs"]["command"] == ["certs", "/certs"]  # the one-shot TLS set-up
    assert services["migrate"]["command"] == ["migrate"]  # the one-shot schema step
    assert services["migrate"]["restart"] == "no"
    images = {services[name]["image"] for name in SMLOG_CONTAINERS}
    assert len(images) == 1, images
    for name in [*PROCESS_NAMES, *EXTRA_INSTANCES]:
        service = services[name]
        assert service["command"] == ["serve", EXTRA_INSTANCES.get(name, name)], name
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        assert (ROOT / service["build"]["dockerfile"]).is_file()


def test_compose_ports_match_settings_defaults(services: dict[str, Any]) -> None:
    for name in PROCESS_NAMES:
        service = services[name]
        ports = published(service)
        assert set(ports) == listen_ports(name), name
        assert all(host == container for container, host in ports.items()), name
        exposed = {int(p) for p in service.get("expose", [])}
        # Metrics stay inside the compose network, on a port of their own (the console's
        # are on its published HTTP port).
        assert exposed == {metrics_port(name)} - set(ports), name


def test_compose_health_checks_use_the_grpc_health_command(services: dict[str, Any]) -> None:
    for name in [*PROCESS_NAMES, *EXTRA_INSTANCES]:
        process = EXTRA_INSTANCES.get(name, name)
        check = services[name]["healthcheck"]
        assert check["test"] == ["CMD", "smlog", "health", process], name
        assert environment(services[name])["SMLOG_SERVICE"] == process
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, (name, key)
    assert services["prometheus"]["healthcheck"]["test"]


def test_compose_environment_names_real_settings(services: dict[str, Any]) -> None:
    fields = {f"SMLOG_{name.upper()}" for name in Settings.__dataclass_fields__}
    for name in SMLOG_CONTAINERS:
        env = environment(services[name])
        Settings.load(env=interpolated(env))  # every value parses and validates
        unknown = {key for key in env if key.startswith("SMLOG_")} - fields - {"SMLOG_SERVICE"}
        assert not unknown, (name, unknown)
        assert env["SMLOG_HOST"] == "0.0.0.0"  # a container listens on all
        # Every process on the one PostgreSQL database, its password from deploy/.env.
        store = urlsplit(interpolated(env)["SMLOG_DB_URL"])
        assert (store.scheme, store.hostname, store.port) == ("postgresql", "postgres", 5432)
        assert ":${POSTGRES_PASSWORD:?" in env["SMLOG_DB_URL"]
        # Secrets come from the environment or deploy/.env, with no default here.
        for setting, _ in SECRET_SETTINGS:
            var = f"SMLOG_{setting.upper()}"
            assert env[var].startswith(f"${{{var}:?"), (name, var)


def test_compose_cross_service_urls_use_service_names_and_default_ports(
    services: dict[str, Any],
) -> None:
    expected = {
        "SMLOG_STATUS_PUBLIC_URL": ("status", DEFAULTS.status_http_port),
        "SMLOG_VOXOLOGY_URL": ("voxology-sim", DEFAULTS.voxology_sim_port),
        "SMLOG_MAILGUN_URL": ("mailgun-sim", DEFAULTS.mailgun_sim_port),
    }
    for name in SERVICE_NAMES:
        env = environment(services[name])
        for var, (process, port) in expected.items():
            url = urlsplit(env[var])
            # The host is the process's compose name, or an alias every instance of it holds.
            instances = [n for n in services if EXTRA_INSTANCES.get(n, n) == process]
            assert url.hostname in {process, *shared_aliases(services, instances)}, (name, var)
            assert url.port == port, (name, var)
            assert port in listen_ports(process)
        # Status dials dispatch, the console all three; 0.0.0.0 (the bind address) is not an
        # address to dial.
        loaded = Settings.load(env=interpolated(env))
        for dialed in ("dispatch", "log", "reports"):
            assert loaded.target(dialed) == f"{dialed}:{DEFAULTS.grpc_port(dialed)}", name


def shared_aliases(services: dict[str, Any], names: list[str]) -> set[str]:
    """The network aliases every one of ``names`` holds."""
    held = [
        set(services[n].get("networks", {}).get("default", {}).get("aliases", [])) for n in names
    ]
    return set.intersection(*held) if held else set()


def test_compose_start_order_waits_for_health_and_has_no_cycle(services: dict[str, Any]) -> None:
    graph: dict[str, set[str]] = {}
    for name, service in services.items():
        deps = service.get("depends_on", {})
        assert isinstance(deps, dict), name
        for dep, spec in deps.items():
            assert dep in services, (name, dep)
            if dep in ("certs", "migrate"):  # one-shot jobs: wait until they succeeded
                assert spec == {"condition": "service_completed_successfully"}, name
                continue
            assert spec == {"condition": "service_healthy"}, (name, dep)
            assert "healthcheck" in services[dep], dep
        graph[name] = set(deps)
    done: set[str] = set()
    while len(done) < len(graph):
        ready = {n for n, deps in graph.items() if n not in done and deps <= done}
        assert ready, f"depends_on cycle among {set(graph) - done}"
        done |= ready
    # Every process that opens the database starts after the migration step.
    for name in [*GRPC_SERVICES, *EXTRA_INSTANCES]:
        reached, frontier = set(), {name}
        while frontier:
            frontier = {d for n in frontier for d in graph[n]} - reached
            reached |= frontier
        assert "migrate" in reached, name
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_compose_mounts_exist(services: dict[str, Any], compose: dict[str, Any]) -> None:
    for name in ("prometheus", "grafana"):
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "postgres-data" in compose["volumes"]


# -- Prometheus ----------------------------------------------------------------------------


def scrape_targets(prometheus: dict[str, Any]) -> list[tuple[str, int, dict[str, str]]]:
    (job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == SCRAPE_JOB]
    targets = []
    for static in job["static_configs"]:
        for target in static["targets"]:
            host, port = target.rsplit(":", 1)
            targets.append((host, int(port), static.get("labels", {})))
    return targets


def test_scrape_config_has_one_target_per_process_on_its_metrics_port(
    prometheus: dict[str, Any], services: dict[str, Any]
) -> None:
    targets = scrape_targets(prometheus)
    assert sorted((h, p) for h, p, _ in targets) == sorted(
        (name, metrics_port(EXTRA_INSTANCES.get(name, name)))
        for name in [*PROCESS_NAMES, *EXTRA_INSTANCES]
    )
    for host, port, labels in targets:
        assert labels == {"service": EXTRA_INSTANCES.get(host, host)}
        reachable = {int(p) for p in services[host].get("expose", [])}
        assert port in reachable | set(published(services[host])), host
    # Each instance keeps a label of its own: its compose name, without the port.
    (job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == SCRAPE_JOB]
    (relabel,) = job["relabel_configs"]
    assert relabel["source_labels"] == ["__address__"]
    assert relabel["target_label"] == "instance"
    assert re.sub(
        relabel["regex"], relabel["replacement"].replace("$1", r"\1"), "status-2:9102"
    ) == ("status-2")


def test_scrape_config_loads_the_mounted_alert_rules(
    prometheus: dict[str, Any], services: dict[str, Any]
) -> None:
    mounts = dict(v.split(":")[1::-1] for v in services["prometheus"]["volumes"] if ":" in v)
    for rule_file in prometheus["rule_files"]:
        assert rule_file in mounts, rule_file
        assert (DEPLOY / mounts[rule_file]).is_file()
    config_mount = {v.split(":")[0]: v.split(":")[1] for v in services["prometheus"]["volumes"]}
    assert config_mount["./prometheus/prometheus.yml"] in services["prometheus"]["command"][0]


# -- alerts --------------------------------------------------------------------------------


def alert_rules(alerts: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in alerts["groups"]:
        yield from group["rules"]


def test_alert_rules_are_well_formed(alerts: dict[str, Any]) -> None:
    names = []
    for group in alerts["groups"]:
        assert group["name"]
        assert group["rules"], group["name"]
        for rule in group["rules"]:
            assert set(rule) >= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}
            assert rule["annotations"]["summary"]
            names.append(rule["alert"])
    assert len(names) == len(set(names))
    required = {
        "SmlogTargetDown",
        "SmlogDispatchStuck",
        "SmlogWebhookRejectionsRising",
        "SmlogVendorErrorRateHigh",
    }
    assert required <= set(names)


def test_every_alert_has_a_runbook_entry(alerts: dict[str, Any]) -> None:
    readme = (DEPLOY / "README.md").read_text()
    for rule in alert_rules(alerts):
        assert rule["annotations"]["runbook"] == f"deploy/README.md#{rule['alert'].lower()}"
        assert f"### {rule['alert']}" in readme, rule["alert"]


# -- Grafana -------------------------------------------------------------------------------


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def test_dashboard_panels_query_the_provisioned_datasource(dashboard: dict[str, Any]) -> None:
    provisioned = load_yaml(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    (source,) = provisioned["datasources"]
    assert source["type"] == "prometheus"
    assert urlsplit(source["url"]).hostname == "prometheus"
    assert dashboard["uid"]
    assert dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    found = list(panels(dashboard))
    assert found
    for panel in found:
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            assert target.get("datasource", panel["datasource"])["uid"] == source["uid"]


def test_dashboard_provider_reads_the_mounted_folder(services: dict[str, Any]) -> None:
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "smlog.yml")
    (entry,) = provider["providers"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    folder = mounts[entry["options"]["path"]]
    assert (DEPLOY / folder / DASHBOARD.name).is_file()


def test_dashboard_covers_the_asked_for_views(dashboard: dict[str, Any]) -> None:
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p["targets"])
    for metric in (
        "smlog_dispatch_attempt_results_total",
        "smlog_vendor_request_seconds_bucket",
        "smlog_dispatch_due_targets",
        "smlog_dispatch_message_duration_seconds_bucket",
        "smlog_dispatch_first_attempt_duration_seconds_bucket",
        "smlog_grpc_server_handling_seconds_bucket",
        "smlog_status_webhooks_received_total",
        "smlog_status_webhooks_rejected_total",
        "smlog_status_event_lag_seconds_bucket",
        "smlog_dispatch_lease_takeovers_total",
    ):
        assert metric in exprs, metric
    # Per-worker throughput: split by the instance label each scrape target carries.
    assert "sum by (instance) (rate(smlog_dispatch_attempts_created_total" in exprs


# -- the metrics really exist --------------------------------------------------------------

_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"bool", "offset", "inf", "nan"}
)
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Series names in a PromQL expression: not functions, keywords, labels or durations."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values and string arguments
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery durations
    text = _GROUPING.sub("", text)
    text = re.sub(r"\boffset\s+\S+", "", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, call = match.groups()
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def test_metric_name_extraction() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, vendor) (rate(foo_seconds_bucket{a="x y"}[5m])))'
        " > 2 and on () (sum(increase(bar_total[1h] offset 1h)) or on () vector(0)) == 0"
        ' unless baz{job="up"} / ignoring(code) qux[$__rate_interval]'
    )
    assert metric_names(expr) == {"foo_seconds_bucket", "bar_total", "baz", "qux"}


def exported_series(registries: Iterable[CollectorRegistry]) -> dict[str, str]:
    """Every series name a scrape can show, and the type of the metric it belongs to.

    prometheus_client names a counter ``foo`` and shows ``foo_total``; a histogram ``foo``
    shows ``foo_bucket``, ``foo_sum`` and ``foo_count``. A labelled metric with no children yet
    yields no samples, so the names come from the metric families, not from samples.
    """
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "gauge": ("",),
    }
    series: dict[str, str] = {}
    for registry in registries:
        for family in registry.collect():
            for suffix in suffixes.get(family.type, ("",)):
                series[family.name + suffix] = family.type
            for sample in family.samples:
                series.setdefault(sample.name, family.type)
    return series


@pytest.fixture(scope="module")
def exported() -> dict[str, str]:
    for module in GRPC_SERVICES.values():
        importlib.import_module(module)
    importlib.import_module("smlog.vendors")
    importlib.import_module("smlog.runtime.metrics")
    registries = [REGISTRY, *simulator_registries()]
    return exported_series(registries)


def simulator_registries() -> list[CollectorRegistry]:
    from smlog.simulators.mailgun.app import CORE as MAILGUN_CORE
    from smlog.simulators.mailgun.app import build_app as build_mailgun
    from smlog.simulators.mailgun.settings import MailgunSettings
    from smlog.simulators.voxology.app import CORE as VOXOLOGY_CORE
    from smlog.simulators.voxology.app import build_app as build_voxology
    from smlog.simulators.voxology.settings import VoxologySettings

    assert set(SIMULATORS) == {"voxology-sim", "mailgun-sim"}
    return [
        build_voxology(VoxologySettings())[VOXOLOGY_CORE].registry,
        build_mailgun(MailgunSettings())[MAILGUN_CORE].registry,
    ]


def queries(alerts: dict[str, Any], dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(f"alert {r['alert']}", r["expr"]) for r in alert_rules(alerts)]
    for panel in panels(dashboard):
        found += [(f"panel {panel['title']!r}", t["expr"]) for t in panel["targets"]]
    return found


def test_every_metric_in_alerts_and_dashboard_is_exported(
    alerts: dict[str, Any], dashboard: dict[str, Any], exported: dict[str, str]
) -> None:
    missing = []
    for where, expr in queries(alerts, dashboard):
        names = metric_names(expr)
        assert names, (where, expr)
        for name in sorted(names - PROMETHEUS_BUILTINS):
            if name not in exported:
                missing.append(f"{where}: {name}")
    assert not missing, "not exported by any process:\n" + "\n".join(missing)


def test_rates_and_quantiles_are_taken_of_the_right_kinds(
    alerts: dict[str, Any], dashboard: dict[str, Any], exported: dict[str, str]
) -> None:
    for where, expr in queries(alerts, dashboard):
        for name in re.findall(r"\b(?:rate|increase|irate)\(\s*([a-zA-Z_:][\w:]*)", expr):
            assert exported.get(name) in {"counter", "histogram"}, (where, name)
            assert name.endswith(("_total", "_bucket", "_sum", "_count")), (where, name)
        if "histogram_quantile" in expr:
            assert all(
                exported.get(n) != "histogram" or n.endswith("_bucket") for n in metric_names(expr)
            ), where
    # Gauges are read as they are, never rated.
    for where, expr in queries(alerts, dashboard):
        for name in metric_names(expr):
            if exported.get(name) == "gauge":
                assert not re.search(rf"(?:rate|increase)\(\s*{name}\b", expr), (where, name)


def test_the_scrape_config_covers_every_process_that_exports_metrics(
    prometheus: dict[str, Any],
) -> None:
    hosts = {host for host, _, _ in scrape_targets(prometheus)}
    assert hosts == {*PROCESS_NAMES, *EXTRA_INSTANCES}


# -- the image -----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        word, _, args = text.partition(" ")
        lines.append((word.upper(), args.strip()))
    assert not pending, "Dockerfile ends inside a continuation"
    return lines


def test_dockerfile_builds_a_non_root_image_with_a_grpc_health_check() -> None:
    steps = dockerfile_instructions()
    froms = [args for word, args in steps if word == "FROM"]
    assert froms
    assert all(f.split()[0] == "python:3.11-slim" for f in froms)
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in final if word == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    (health,) = [args for word, args in final if word == "HEALTHCHECK"]
    options, _, command = health.partition("CMD")
    assert json.loads(command) == ["smlog", "health"]
    assert "--timeout=" in options
    assert "--interval=" in options
    (entry,) = [args for word, args in final if word == "ENTRYPOINT"]
    assert json.loads(entry) == ["smlog"]
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "pip wheel" in runs
    assert "[dev]" not in runs
    env = " ".join(args for word, args in final if word == "ENV")
    assert "SMLOG_HOST=0.0.0.0" in env
    assert "SMLOG_DB_PATH=/data/" in env


def test_dockerfile_copies_only_what_exists_and_what_the_package_needs() -> None:
    copied = []
    for word, args in dockerfile_instructions():
        if word == "COPY" and "--from" not in args:
            *sources, _dest = shlex.split(args)
            copied += sources
    for source in copied:
        assert (ROOT / source).exists(), source
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"include = \[([^\]]*)\]", pyproject)
    assert packages is not None
    for pattern in re.findall(r'"([a-z_]+)\*"', packages.group(1)):
        assert pattern in copied, f"the image lacks the {pattern} package"
    assert "README.md" in copied  # pyproject's readme; the build fails without it
    # The folders smlog/ links to (smlog.services, smlog.bench, ...) go in too, or the
    # wheel's links dangle and `smlog` itself fails to start.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for link in (ROOT / "smlog").iterdir():
        if link.is_symlink():
            folder = link.resolve().relative_to(ROOT).as_posix()
            assert folder in copied, f"the image lacks {folder}/"
            assert f"!{folder}/**" in ignore, f"the build context leaves out {folder}/"


def test_dockerfile_exposes_every_default_port() -> None:
    exposed = {
        int(p) for word, args in dockerfile_instructions() if word == "EXPOSE" for p in args.split()
    }
    for name in PROCESS_NAMES:
        assert listen_ports(name) | {metrics_port(name)} <= exposed, name


# -- promtool: installed by .ci/run; skipped only outside CI -----------------------------------


def test_promtool_accepts_the_config_and_the_alert_unit_tests(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        # CI installs it (.ci/run): there, a missing promtool is a failure, not a skip.
        assert os.environ.get("CI", "").lower() != "true", "promtool is missing in CI"
        pytest.skip("promtool is not installed (Debian package `prometheus`)")
    prometheus_dir = DEPLOY / "prometheus"
    # The config names the rule file where the container mounts it; point it here instead.
    config = (prometheus_dir / "prometheus.yml").read_text()
    local = tmp_path / "prometheus.yml"
    local.write_text(
        config.replace("/etc/prometheus/alerts.yml", str(prometheus_dir / "alerts.yml"))
    )
    for argv in (
        ["check", "config", str(local)],
        ["check", "rules", str(prometheus_dir / "alerts.yml")],
        ["test", "rules", "alerts_test.yml"],
    ):
        done = subprocess.run(
            [promtool, *argv], cwd=prometheus_dir, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
