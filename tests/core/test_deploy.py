"""deploy/k8s/: both overlays build with kubectl's kustomize, every object validates against a
pinned Kubernetes version's schemas (kubernetes-validate), and the manifests agree with the
settings, the URLconf, the Makefile and docker-compose.yml.

Without kubectl the tests that render the overlays are skipped (``make kubectl`` installs
it); with ``REQUIRE_K8S=1`` (``.ci/run``) a missing kubectl fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# The oldest Kubernetes the manifests need: pod user namespaces (hostUsers) with
# procMount Unmasked for the exercise workers' sandbox, and the preStop sleep action.
K8S_VERSION = "1.33"
APP_KINDS = ("Deployment", "Job")
SECRET = "backend-academy-secrets"

# Every variable the settings (config/settings.py), gunicorn (config/gunicorn.py) and the
# Makefile's process targets read is in exactly one of these two. A new setting fails
# test_every_setting_is_set_or_left_to_its_default until it is placed here, so a
# deployment never silently lacks one.
SET_BY_MANIFESTS = {
    # From the Secret when it holds the key (optional): /metrics answers only with it.
    "METRICS_TOKEN",
    # Production services mode refuses to start without these.
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    # The site's public address, behind the ingress controller.
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "TRUSTED_PROXY_COUNT",
    "LOG_FORMAT",
    # The resources are measured for these process counts.
    "WEB_CONCURRENCY",
    "CELERY_CONCURRENCY",
    # Secrets the pods reference as optional keys of the Secret.
    "REDIS_CACHE_URL",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
}
DEFAULTS_KEPT = {
    # Observability (docs/operations.md, "Metrics" and "Traces").
    "METRICS_ENABLED": "on",
    "PROMETHEUS_MULTIPROC_DIR": "gunicorn makes one under /tmp (an emptyDir)",
    "CELERY_METRICS_PORT": "off: a worker's exporter is opt-in",
    "OTEL_ENABLED": "off: traces are opt-in (the ConfigMap turns them on)",
    "OTEL_SERVICE_NAME": "backend-academy",
    "OTEL_TRACES_EXPORTER": "otlp when traces are on",
    # Production's own defaults: debug off, HTTPS redirect and HSTS on.
    "DJANGO_DEBUG": "off in production",
    "DJANGO_SECURE_SSL_REDIRECT": "on in production (dev turns it off: no TLS)",
    "DJANGO_HSTS_SECONDS": "a year in production (dev: 0)",
    "DJANGO_HSTS_PRELOAD": "an opt-in commitment",
    # Sized and measured with their defaults (docs/benchmarks.md).
    "DB_POOL_MIN_SIZE": "measured default",
    "DB_POOL_MAX_SIZE": "measured default (PostgreSQL's max_connections: docs/operations.md)",
    "DB_POOL_TIMEOUT": "measured default",
    "HTTP_THREADS": "measured default",
    "CHANNELS_CAPACITY": "measured default",
    "LIVE_MAX_PLAYERS": "measured default",
    "LIVE_SMALL_SESSION_PLAYERS": "measured default",
    "LIVE_SWEEP_MS": "measured default",
    "LIVE_ANSWER_THREADS": "sized from the pool",
    "LIVE_ANSWER_BATCHES": "measured default",
    "LIVE_GC_FREEZE": "measured default",
    "LABS_QUEUE_BROADCAST_MS": "measured default",
    "GC_FREEZE": "measured default",
    "GUNICORN_PRELOAD": "measured default",
    "GUNICORN_TIMEOUT": "default",
    "GUNICORN_MAX_REQUESTS": "no recycling",
    "READINESS_CACHE_MS": "bounds the probes' load",
    # Every role in REDIS_URL's database unless moved.
    "REDIS_KEY_PREFIX": "ba",
    "CHANNEL_LAYER_URL": "REDIS_URL",
    "CELERY_BROKER_URL": "REDIS_URL",
    "CELERY_RESULT_BACKEND": "REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER": "off with Redis",
    "CLASS_REMINDERS_INTERVAL": "15 minutes",
    # Policy knobs with safe defaults.
    "LOGIN_FAILURE_LIMIT": "default",
    "LOGIN_FAILURE_ADDRESS_LIMIT": "default",
    "LOGIN_FAILURE_WINDOW": "default",
    "API_THROTTLE_ANON": "default",
    "API_THROTTLE_USER": "default",
    "API_METRICS_PUBLIC": "staff only in production",
    "GRAPHQL_MAX_BODY_BYTES": "default",
    "GRAPHQL_MAX_TOKENS": "default",
    "GRAPHQL_MAX_DEPTH": "default",
    "GRAPHQL_MAX_ALIASES": "default",
    "GRAPHQL_MAX_FIELDS": "default",
    "GRAPHQL_INTROSPECTION": "off in production",
    "EXERCISES_RUN_LIMIT": "default",
    "EXERCISES_RUN_WINDOW": "default",
    "EXERCISES_STALE_SECONDS": "default",
    "LOG_LEVEL": "INFO (dev: DEBUG)",
    # Mail: without EMAIL_HOST it goes to the log; set it in the overlay's ConfigMap.
    "EMAIL_HOST": "unset: mail is logged",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "on",
    "EMAIL_USE_SSL": "off",
    "DEFAULT_FROM_EMAIL": "set with EMAIL_HOST",
    # Not for a deployment.
    "SQLITE_PATH": "embedded mode only",
    "DATABASE_TEST_NAME": "tests only",
    "BENCH_FLOOR_VIEWS": "benchmarks only",
    "EXERCISES_EMBEDDED_WORKERS": "embedded mode only",
    "EXERCISES_ALLOW_UNSANDBOXED": "refused in production",
    "BIND": "from HOST and PORT",
    "FORWARDED_ALLOW_IPS": "the uvicorn worker reads no proxy headers (config/workers.py)",
}
# Read by the processes but not settings: make's bind address, gunicorn's control socket.
PROCESS_VARIABLES = {"HOST", "PORT", "XDG_RUNTIME_DIR"}


# --------------------------------------------------------------------------- helpers


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


@cache
def _render(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize overlays/{overlay}: {result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


@pytest.fixture(params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> tuple[dict[str, Any], ...]:
    if shutil.which("kubectl") is None:
        reason = "kubectl is not installed (make kubectl)"
        if _flag("REQUIRE_K8S"):
            pytest.fail(f"REQUIRE_K8S=1: {reason}", pytrace=False)
        pytest.skip(reason)
    return _render(request.param)


def _one(objects: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _workloads(objects: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] in APP_KINDS}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app"], workload["metadata"]["name"]
    return containers[0]


def _config_map(objects: tuple[dict[str, Any], ...], name: str) -> dict[str, str]:
    return _one(objects, "ConfigMap", name).get("data", {})


def _environment(objects: tuple[dict[str, Any], ...], container: dict[str, Any]) -> dict[str, Any]:
    """Each variable a container gets: its value, or ("secret", key, optional)."""
    environment: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"unexpected envFrom {source}"
        environment.update(_config_map(objects, source["configMapRef"]["name"]))
    for entry in container.get("env", []):
        if "valueFrom" in entry:
            ref = entry["valueFrom"]["secretKeyRef"]
            assert ref["name"] == SECRET
            environment[entry["name"]] = ("secret", ref["key"], ref.get("optional", False))
        else:
            environment[entry["name"]] = entry["value"]
    return environment


def _variables_read() -> set[str]:
    """Every variable the settings, gunicorn's configuration and make's process targets read."""
    names = set(
        re.findall(
            r'env_[a-z_]+\(\s*"([A-Z][A-Z0-9_]+)"',
            (ROOT / "config" / "settings.py").read_text(encoding="utf-8"),
        )
    )
    names |= set(
        re.findall(
            r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"',
            (ROOT / "config" / "gunicorn.py").read_text(encoding="utf-8"),
        )
    )
    names |= set(
        re.findall(r"\$\$\{([A-Z][A-Z0-9_]+):-", (ROOT / "Makefile").read_text(encoding="utf-8"))
    )
    return names


def _secret_example_keys() -> set[str]:
    text = (K8S / "base" / "secret.example.env").read_text(encoding="utf-8")
    return {
        line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    }


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


# --------------------------------------------------------------------------- build and schemas


def test_every_object_validates_against_the_pinned_kubernetes(objects):
    kinds = sorted({o["kind"] for o in objects})
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
    ]
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.caught.message}")
    assert failures == []
    # No Secret object: the Secret is only referenced, never committed.
    assert not [o for o in objects if o["kind"] == "Secret"]


def test_the_validator_refuses_a_wrong_field():
    """The schemas are strict: a misspelt field or a wrong type is an error, not ignored."""
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "app", "image": "x", "readinesProbe": {}}]},
            },
        },
    }
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment["spec"]["template"]["spec"]["containers"][0].pop("readinesProbe")
    kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


# --------------------------------------------------------------------------- settings


def test_every_setting_is_set_or_left_to_its_default():
    read = _variables_read()
    assert {"DJANGO_SECRET_KEY", "WEB_CONCURRENCY", "CELERY_CONCURRENCY"} <= read  # the scan works
    assert SET_BY_MANIFESTS.isdisjoint(DEFAULTS_KEPT)
    unplaced = sorted(read - SET_BY_MANIFESTS - set(DEFAULTS_KEPT))
    assert unplaced == [], (
        "variables the platform reads that the Kubernetes manifests neither set nor leave to "
        f"their defaults on purpose (tests/core/test_deploy.py): {unplaced}"
    )
    gone = sorted((SET_BY_MANIFESTS | set(DEFAULTS_KEPT)) - read)
    assert gone == [], f"no longer read by the platform: {gone}"


def test_every_container_gets_what_the_manifests_must_set(objects):
    secret_keys = _secret_example_keys()
    read = _variables_read()
    for name, workload in _workloads(objects).items():
        environment = _environment(objects, _container(workload))
        missing = sorted(SET_BY_MANIFESTS - set(environment))
        assert missing == [], f"{name} lacks {missing}"
        unknown = sorted(set(environment) - read - PROCESS_VARIABLES)
        assert unknown == [], f"{name} sets variables nothing reads: {unknown}"
        for variable, value in environment.items():
            if isinstance(value, tuple):
                _, key, optional = value
                assert key == variable
                assert key in secret_keys, f"{key} is not in secret.example.env"
                required = variable in {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
                assert optional is not required, f"{name}: {variable} optional={optional}"
        # Secrets come from the Secret only, never from the ConfigMap.
        for variable in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST_PASSWORD"):
            assert isinstance(environment[variable], tuple), f"{name}: {variable} in plain text"


@pytest.fixture
def prod_objects() -> tuple[dict[str, Any], ...]:
    if shutil.which("kubectl") is None:
        if _flag("REQUIRE_K8S"):
            pytest.fail("REQUIRE_K8S=1: kubectl is not installed (make kubectl)", pytrace=False)
        pytest.skip("kubectl is not installed (make kubectl)")
    return _render("prod")


def test_the_prod_environment_starts_the_settings_in_production_services_mode(prod_objects):
    """The web container's environment (the Secret filled from secret.example.env) passes
    Django's deployment checks and selects services mode behind one proxy."""
    secrets: dict[str, str] = {}
    for line in (K8S / "base" / "secret.example.env").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            secrets[key] = value
    environment = {"PATH": os.environ["PATH"]}
    web = _workloads(prod_objects)["web"]
    for variable, value in _environment(prod_objects, _container(web)).items():
        environment[variable] = secrets[value[1]] if isinstance(value, tuple) else value
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    probe = (
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
        "print(json.dumps([s.SERVICES_MODE, s.DEBUG, s.PRODUCTION, s.ALLOWED_HOSTS,"
        " s.SECURE_PROXY_SSL_HEADER, s.CELERY_TASK_ALWAYS_EAGER]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    values = yaml.safe_load(result.stdout.splitlines()[-1])
    services, debug, production, hosts, proxy_header, eager = values
    assert (services, debug, production, eager) == (True, False, True, False)
    assert hosts == ["localhost", "academy.example.com"]
    assert proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]


# --------------------------------------------------------------------------- probes


def test_probes_hit_real_paths_with_an_allowed_host(objects, client):
    web = _container(_workloads(objects)["web"])
    allowed = _config_map(objects, web["envFrom"][0]["configMapRef"]["name"])[
        "DJANGO_ALLOWED_HOSTS"
    ].split(",")
    ports = {port["name"] for port in web["ports"]}
    paths = {}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = web[kind]["httpGet"]
        paths[kind] = get["path"]
        assert get["port"] in ports
        host = {h["name"]: h["value"] for h in get.get("httpHeaders", [])}.get("Host")
        assert host in allowed, f"{kind} sends Host {host!r}, not in {allowed}"
        try:
            match = resolve(get["path"])
        except Resolver404:
            pytest.fail(f"{kind} path {get['path']} is not in the URLconf")
        assert match.url_name in {"healthz", "readyz"}
    assert paths == {
        "startupProbe": "/healthz",
        "readinessProbe": "/readyz",
        "livenessProbe": "/healthz",
    }
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200
    # No probe on a worker or beat: they serve no HTTP.
    for name, workload in _workloads(objects).items():
        if name != "web":
            assert not {"startupProbe", "readinessProbe", "livenessProbe"} & set(
                _container(workload)
            )


# --------------------------------------------------------------------------- processes


def _compose_processes() -> dict[str, list[str]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return {
        name: service["command"]
        for name, service in compose["services"].items()
        if "build" in service  # the platform's own image, not PostgreSQL or Redis
    }


def test_compose_and_the_manifests_run_the_same_processes(objects):
    compose = _compose_processes()
    assert set(compose) == {"migrate", "web", "worker-default", "worker-exercises", "beat"}
    manifests = {name: _container(w)["command"] for name, w in _workloads(objects).items()}
    assert manifests == compose
    assert _one(objects, "Job", "migrate")["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # Every command is a target of the Makefile.
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    for command in manifests.values():
        assert command[0] == "make" and command[1] in targets, command


def test_the_workers_consume_every_queue_a_task_is_sent_to(objects):
    from config.celery import app

    queues_used = {app.conf.task_default_queue} | {
        route["queue"] for route in settings.CELERY_TASK_ROUTES.values()
    }
    queues_used |= {entry["options"]["queue"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    consumed: dict[str, str] = {}
    for name, workload in _workloads(objects).items():
        command = _container(workload)["command"]
        if command[:2] == ["make", "worker"]:
            (queues,) = [arg.split("=", 1)[1] for arg in command[2:] if arg.startswith("QUEUES=")]
            for queue in queues.split(","):
                assert queue not in consumed, f"{queue} consumed by {consumed[queue]} and {name}"
                consumed[queue] = name
    assert set(consumed) == queues_used == {"default", "exercises"}


def test_beat_is_one_replica_replaced_not_rolled(objects):
    beat = _workloads(objects)["beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {o["spec"]["scaleTargetRef"]["name"] for o in objects if o["kind"].startswith("Hori")}
    assert targets == {"web", "worker-exercises"}
    pdbs = {o["metadata"]["name"] for o in objects if o["kind"] == "PodDisruptionBudget"}
    assert pdbs == {"web", "worker-default", "worker-exercises"}


def test_every_selector_selects_its_pods(objects):
    workloads = _workloads(objects)
    pods = {
        name: w["spec"]["template"]["metadata"]["labels"]
        for name, w in workloads.items()
        if w["kind"] == "Deployment"
    }
    for name, workload in workloads.items():
        if workload["kind"] == "Deployment":
            assert _selects(workload["spec"]["selector"]["matchLabels"], pods[name])
    for obj in objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind == "Service":
            selector = obj["spec"]["selector"]
        elif kind in {"PodDisruptionBudget", "NetworkPolicy"}:
            selector = obj["spec"].get("selector", obj["spec"].get("podSelector"))["matchLabels"]
        else:
            continue
        matched = sorted(pod for pod, labels in pods.items() if _selects(selector, labels))
        assert matched == [name], f"{kind}/{name} selects {matched}"
    ingress = _one(objects, "Ingress", "web")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = _one(objects, "Service", backend["name"])
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    annotations = ingress["metadata"]["annotations"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
    assert not [key for key in annotations if "affinity" in key]  # no sticky sessions


def test_every_container_has_requests_and_limits(objects):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}

    def memory(value: str) -> int:
        return int(value[:-2]) * units[value[-2:]]

    def cpu(value: str) -> float:
        return float(value[:-1]) / 1000 if value.endswith("m") else float(value)

    for name, workload in _workloads(objects).items():
        resources = _container(workload)["resources"]
        assert memory(resources["requests"]["memory"]) <= memory(resources["limits"]["memory"])
        assert cpu(resources["requests"]["cpu"]) <= cpu(resources["limits"]["cpu"]), name


# --------------------------------------------------------------------------- security


def test_pods_run_unprivileged_and_only_the_sandbox_is_unconfined(objects):
    for name, workload in _workloads(objects).items():
        pod = workload["spec"]["template"]["spec"]
        container = _container(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert "privileged" not in context
        if name == "worker-exercises":
            assert pod["hostUsers"] is False
            assert context["seccompProfile"] == {"type": "Unconfined"}
            assert context["appArmorProfile"] == {"type": "Unconfined"}
            assert context["procMount"] == "Unmasked"
        else:
            assert "hostUsers" not in pod
            assert not {"seccompProfile", "appArmorProfile", "procMount"} & set(context)


def test_the_exercise_workers_reach_only_postgresql_redis_and_dns(objects):
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    assert [p["metadata"]["name"] for p in policies] == ["worker-exercises"]
    spec = policies[0]["spec"]
    assert sorted(spec["policyTypes"]) == ["Egress", "Ingress"]
    assert spec["ingress"] == []
    allowed = set()
    for rule in spec["egress"]:
        # A rule without peers or without ports would open every address or port.
        assert rule.get("to") and rule.get("ports"), rule
        peers = [peer["podSelector"]["matchLabels"] for peer in rule["to"]]
        for port in rule["ports"]:
            for peer in peers:
                allowed.add((port["protocol"], port["port"], tuple(sorted(peer.items()))))
    assert allowed == {
        ("TCP", 5432, (("app.kubernetes.io/name", "postgresql"),)),
        ("TCP", 6379, (("app.kubernetes.io/name", "redis"),)),
        ("UDP", 53, (("k8s-app", "kube-dns"),)),
        ("TCP", 53, (("k8s-app", "kube-dns"),)),
    }


# --------------------------------------------------------------------------- the rollout order


FAKE_KUBECTL = """#!/usr/bin/env bash
# Records each call; renders with the real kubectl; says the migrate Job completed.
printf '%s\\n' "$*" >> "$LOG"
case "$1" in
  kustomize) exec "$REAL_KUBECTL" "$@" ;;
  apply) n=$(ls "$APPLIED" | wc -l); cp "$3" "$APPLIED/$n.yaml" ;;
  -n) [ "$3" = get ] && printf 'Complete ' ;;
esac
exit 0
"""


def test_deploy_runs_the_migrate_job_before_the_rollout(prod_objects, tmp_path):
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL, encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "applied").mkdir()
    log = tmp_path / "calls.log"
    environment = {
        **os.environ,
        "KUBECTL": str(fake),
        "REAL_KUBECTL": shutil.which("kubectl") or "",
        "LOG": str(log),
        "APPLIED": str(tmp_path / "applied"),
    }
    image = "registry.example.com:5000/backend-academy:1.4.2"
    result = subprocess.run(
        ["bash", str(K8S / "deploy.sh"), "prod", image],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    ns = "-n backend-academy"
    assert calls[0].startswith("kustomize ")
    assert calls[1:5] == [
        f"{ns} delete job migrate --ignore-not-found --wait=true",
        f"apply -f {calls[2].split()[2]} -l app.kubernetes.io/component in (config,migrate)",
        f"{ns} get job migrate -o jsonpath="
        '{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}',
        f"apply -f {calls[2].split()[2]}",
    ]
    assert calls[5:] == [
        f"{ns} rollout status deployment/{name} --timeout=15m"
        for name in ("beat", "web", "worker-default", "worker-exercises")
    ]
    rendered = list(yaml.safe_load_all((tmp_path / "applied" / "0.yaml").read_text()))
    images = {
        c["image"]
        for o in rendered
        if o["kind"] in APP_KINDS
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert images == {image}


def test_deploy_stops_when_the_migrate_job_fails(prod_objects, tmp_path):
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL.replace("printf 'Complete '", "printf 'Failed '"))
    fake.chmod(0o755)
    (tmp_path / "applied").mkdir()
    log = tmp_path / "calls.log"
    result = subprocess.run(
        ["bash", str(K8S / "deploy.sh"), "prod"],
        env={
            **os.environ,
            "KUBECTL": str(fake),
            "REAL_KUBECTL": shutil.which("kubectl") or "",
            "LOG": str(log),
            "APPLIED": str(tmp_path / "applied"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "The migrate Job failed" in result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert [c for c in calls if c.startswith("apply")] == [
        f"apply -f {calls[2].split()[2]} -l app.kubernetes.io/component in (config,migrate)"
    ]
    assert calls[-1] == "-n backend-academy logs job/migrate --tail=200"
