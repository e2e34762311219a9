"""compose.yaml as an operator starts it: PostgreSQL, one receiver, workers that scale, and
healthchecks on /healthz that the image can run."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_splits_receiver_and_workers_on_postgres_with_healthchecks():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "receiver", "worker"}
    assert services["receiver"]["command"] == ["steady", "run", "--role", "receive"]
    assert services["worker"]["command"] == ["steady", "run", "--role", "work"]
    for name in ("receiver", "worker"):
        service = services[name]
        env = service["environment"]
        assert "@postgres:5432/" in env["STEADY_DATABASE_URL"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "container_name" not in service and "ports" not in service  # may be scaled
        check = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{env['STEADY_METRICS_PORT']}/healthz" in check
        assert check.startswith("CMD python -c")  # no curl in the image
    assert "STEADY_TELEGRAM_WEBHOOK_URL" in services["receiver"]["environment"]
    assert "curl" not in (ROOT / "Dockerfile").read_text()
