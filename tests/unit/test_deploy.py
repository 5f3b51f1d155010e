"""deploy/ is checked by tools that run here (no container engine): the compose file against the
Compose specification, the Kubernetes manifests against the Kubernetes API schemas, the nginx
config by nginx's own parser, and rules of the scale-out: settings that exist, secrets only from
the environment, health probes, resource requests, sticky sessions only for the Gradio pages."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import crossplane
import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.32.0"
SECRET = re.compile(r"KEY|PASSWORD|TOKEN|SECRET")


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _k8s() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) if path.name != "kustomization.yaml"
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def _containers(docs: list[dict]) -> list[dict]:
    return [c for d in docs if d["kind"] in ("Deployment", "StatefulSet")
            for c in d["spec"]["template"]["spec"]["containers"]]


def _is_setting(name: str) -> bool:
    """Whether HELPDESK_... names a field of the settings tree (``__`` nests)."""
    model, parts = Settings, name.removeprefix("HELPDESK_").lower().split("__")
    for part in parts:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return False
        model = field.annotation
    return True


def test_the_compose_file_follows_the_compose_specification():
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text("utf-8"))
    compose = _compose()
    jsonschema.validators.validator_for(schema)(schema).validate(compose)
    services = compose["services"]
    assert {"app-1", "app-2", "chroma", "postgres", "proxy", "model-cpu", "model-gpu"} <= set(services)
    assert services["model-cpu"]["profiles"] == ["cpu"] and services["model-gpu"]["profiles"] == ["gpu"]
    gpu = services["model-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"] and "vllm" in services["model-gpu"]["image"]
    assert "helpdesk-model-server" in services["model-cpu"]["command"]


@pytest.mark.parametrize("doc", _k8s(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_kubernetes_resource_follows_the_api_schema(doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_kustomization_lists_existing_files_and_one_model_server():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert all((K8S / name).is_file() for name in kustomization["resources"])
    assert len([r for r in kustomization["resources"] if r.startswith("model-")]) == 1


def test_replicas_probe_health_and_every_container_requests_resources():
    app = next(d for d in _k8s() if d["kind"] == "Deployment" and d["metadata"]["name"] == "helpdesk")
    assert app["spec"]["replicas"] >= 2
    pod = app["spec"]["template"]["spec"]["containers"][0]
    for probe in ("startupProbe", "readinessProbe"):
        assert pod[probe]["httpGet"]["path"] == "/api/v1/health"
    # Health is 503 while Chroma is down: that must take a pod out of rotation, not restart it.
    assert "httpGet" not in pod["livenessProbe"]
    for container in _containers(_k8s()):
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]


def test_every_helpdesk_variable_names_a_real_setting():
    names = set()
    for service in _compose()["services"].values():
        names |= {k for k in service.get("environment", {}) if k.startswith("HELPDESK_")}
    for doc in _k8s():
        if doc["kind"] == "ConfigMap":
            names |= set(doc["data"])
    for container in _containers(_k8s()):
        names |= {e["name"] for e in container.get("env", []) if e["name"].startswith("HELPDESK_")}
    assert {"HELPDESK_CHROMA_URL", "HELPDESK_DATABASE_URL", "HELPDESK_OPENAI_BASE_URL"} <= names
    assert [n for n in names if not _is_setting(n)] == []


def test_secrets_come_only_from_the_environment():
    for name, service in _compose()["services"].items():
        for key, value in service.get("environment", {}).items():
            if SECRET.search(key) or "postgresql://" in str(value):
                assert re.search(r"\$\{\w+:?[-?]", str(value)), f"{name}: {key} is not from the environment"
    for container in _containers(_k8s()):
        for env in container.get("env", []):
            if SECRET.search(env["name"]):
                assert "secretKeyRef" in env.get("valueFrom", {}), f"{container['name']}: {env['name']}"
    for doc in _k8s():
        assert doc["kind"] != "Secret", "a Secret is created by hand, never committed"
    for dockerfile in DEPLOY.glob("Dockerfile*"):
        for line in dockerfile.read_text().splitlines():
            if re.match(r"\s*(ENV|ARG)\b", line):
                assert not SECRET.search(line), f"{dockerfile.name}: {line}"


def test_the_proxy_pins_only_the_gradio_pages_to_a_replica():
    parsed = crossplane.parse(str(DEPLOY / "nginx.conf"))
    assert parsed["status"] == "ok", parsed["errors"]
    http = next(d for d in parsed["config"][0]["parsed"] if d["directive"] == "http")["block"]
    upstreams = {d["args"][0]: d["block"] for d in http if d["directive"] == "upstream"}
    apps = {s for s in _compose()["services"] if s.startswith("app-")}
    for block in upstreams.values():
        assert {d["args"][0].split(":")[0] for d in block if d["directive"] == "server"} == apps
    sticky = {name for name, block in upstreams.items() if any(d["directive"] == "ip_hash" for d in block)}
    server = next(d for d in http if d["directive"] == "server")["block"]
    routes = {d["args"][0]: next(x["args"][0] for x in d["block"] if x["directive"] == "proxy_pass")
              for d in server if d["directive"] == "location"}
    assert routes["/api/"].removeprefix("http://") not in sticky
    assert routes["/widget"].removeprefix("http://") not in sticky
    assert routes["/"].removeprefix("http://") in sticky
    forwarded = [d["args"] for d in server if d["args"][:1] == ["X-Forwarded-For"]]
    assert forwarded == [["X-Forwarded-For", "$remote_addr"]]  # rate limits key on it: never appended


def shipped_forwarded_allow_ips() -> dict[str, str]:
    """HELPDESK_SERVER__FORWARDED_ALLOW_IPS as the compose file and the Kubernetes config set it."""
    compose = _compose()["x-app"]["environment"]["HELPDESK_SERVER__FORWARDED_ALLOW_IPS"]
    config = next(d for d in _k8s() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "helpdesk-config")
    return {"compose": str(compose), "k8s": str(config["data"]["HELPDESK_SERVER__FORWARDED_ALLOW_IPS"])}


def test_replicas_believe_x_forwarded_for_only_from_the_proxy():
    import ipaddress

    shipped = shipped_forwarded_allow_ips()
    for where, value in shipped.items():
        assert "*" not in value, where
        Settings(server={"forwarded_allow_ips": value})  # a valid setting
    compose = _compose()
    proxy = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert shipped["compose"] == proxy and ipaddress.ip_address(proxy) in ipaddress.ip_network(subnet)
    ipaddress.ip_network(shipped["k8s"])  # the ingress controller's pod network
    with pytest.raises(ValueError, match="X-Forwarded-For"):
        Settings(server={"forwarded_allow_ips": "*"})
