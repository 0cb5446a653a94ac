"""The container-image path against a real dockerd (started by the docker_host fixture)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import docker
import pytest

from tests.package.conftest import PROPS, run_cli, spec_args

pytestmark = pytest.mark.slow  # starts a real dockerd


@pytest.fixture
def engine(docker_host: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    client = docker.DockerClient(base_url=docker_host)
    yield client
    client.close()


def test_one_config_layer_per_environment(engine, base_image: str, project: Path, capsys,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "s3cr3t-value")
    run = run_cli(capsys, "package", "--all-envs", "--image", base_image, "--version", "1.0",
                  "--format", "json", *spec_args(project))
    assert run.code == 0, run.err
    results = json.loads(run.out)["results"]
    base = engine.images.get(base_image)
    assert [r["output"] for r in results] == [
        f"{base_image}-{env}" for env in ("test", "staging", "prod")]
    for result in results:
        image = engine.images.get(result["output"])
        env = result["environment"]
        # exactly one layer on top of the base's layers
        assert image.attrs["RootFS"]["Layers"][:-1] == base.attrs["RootFS"]["Layers"]
        assert len(image.attrs["RootFS"]["Layers"]) == len(base.attrs["RootFS"]["Layers"]) + 1
        labels = image.labels
        assert labels["org.superspec.package.environment"] == env
        assert labels["org.superspec.package.base-image"] == base.id
        text = engine.containers.run(image.id, ["cat", f"/app/{PROPS}"], network_mode="none",
                                     remove=True).decode()
        assert f"for environment {env} " in text
        assert "spring.datasource.password=${DB_PASSWORD}\n" in text
        manifest = json.loads(engine.containers.run(
            image.id, ["cat", "/app/superspec-package.json"], network_mode="none",
            remove=True))
        assert manifest["base"] == {"kind": "image", "name": base_image,
                                    "sha256": base.id.removeprefix("sha256:")}
        assert manifest["valuesDigest"] == labels["org.superspec.package.values-digest"]
        saved = b"".join(image.save())
        assert b"s3cr3t-value" not in saved
        layer_files = _layer_names(saved, image.attrs["RootFS"]["Layers"][-1])
        assert {"app/superspec-package.json", f"app/{PROPS}"} <= layer_files
    assert "s3cr3t-value" not in run.out + run.err
    prod = engine.images.get(f"{base_image}-prod")
    assert engine.containers.run(prod.id, ["cat", f"/app/{PROPS}"], network_mode="none",
                                 remove=True).decode().count("maximum-pool-size=50") == 1


def _layer_names(saved: bytes, diff_id: str) -> set[str]:
    """The file names in the image's last layer, read from `docker save` output."""
    import hashlib

    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            if member.name.endswith("layer.tar"):
                data = outer.extractfile(member).read()  # type: ignore[union-attr]
                if "sha256:" + hashlib.sha256(data).hexdigest() == diff_id:
                    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                        return {m.name.rstrip("/") for m in layer.getmembers() if m.isfile()}
    raise AssertionError(f"layer {diff_id} not in the saved image")


def test_missing_image_is_a_clear_error(engine, project: Path, capsys) -> None:
    run = run_cli(capsys, "package", "--env", "prod", "--image", "superspec-test/none:0",
                  *spec_args(project))
    assert (run.code, run.err) == (1, "error: image 'superspec-test/none:0' is not in the Docker "
                                      "engine; build it first\n")


def test_unreachable_engine(tmp_path: Path, project: Path, capsys,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    run = run_cli(capsys, "package", "--env", "prod", "--image", "x:1", *spec_args(project))
    assert run.code == 1
    assert run.err.startswith(f"error: cannot reach the Docker engine at unix://{tmp_path}/none.sock")


def test_verify_image(engine, base_image: str, project: Path, capsys,
                      tmp_path: Path) -> None:
    assert run_cli(capsys, "package", "--env", "staging", "--image", base_image,
                   *spec_args(project)).code == 0
    packaged = f"{base_image}-staging"
    run = run_cli(capsys, "package", "verify", "--image", base_image, packaged)
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    assert lines[:2] == [f"base:     {base_image}", f"packaged: {packaged} (environment staging)"]
    assert lines[2].startswith(f"changed:  {PROPS} (layered from config/application.properties.j2")
    assert lines[-2:] == ["unchanged: 1 entries byte-identical to the base", "ok"]
    # a second layer on top (an unlisted change) fails verify
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "extra.txt").write_text("x")
    (context / "Dockerfile").write_text(f"FROM {packaged}\nCOPY extra.txt /app/extra.txt\n")
    engine.images.build(path=str(context), tag=f"{packaged}-tampered", network_mode="none")
    run = run_cli(capsys, "package", "verify", "--format", "json", "--image", base_image,
                  f"{packaged}-tampered")
    assert run.code == 1
    assert json.loads(run.out)["problems"] == [
        "the package adds 2 layers to the base; superspec package adds exactly one"]
    # a layer that changes a file the manifest does not list fails too
    (context / "Dockerfile").write_text(
        f"FROM {base_image}\nCOPY extra.txt /app/superspec-package.json\n")
    engine.images.build(path=str(context), tag=f"{base_image}-forged", network_mode="none")
    run = run_cli(capsys, "package", "verify", "--format", "json", "--image", base_image,
                  f"{base_image}-forged")
    assert run.code == 1
    assert json.loads(run.out)["problems"][0].startswith(
        "superspec-package.json is not a valid manifest: ")


def test_verify_image_names_unlisted_and_missing_files(engine, base_image: str, project: Path,
                                                       capsys, tmp_path: Path) -> None:
    assert run_cli(capsys, "package", "--env", "test", "--image", base_image,
                   *spec_args(project)).code == 0
    manifest = engine.containers.run(f"{base_image}-test", ["cat", "/app/superspec-package.json"],
                                     network_mode="none", remove=True)
    layer = tmp_path / "ctx" / "layer" / "app"
    layer.mkdir(parents=True)
    (layer / "superspec-package.json").write_bytes(manifest)
    (layer / "extra.txt").write_text("x")
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM {base_image}\nCOPY layer/ /\n")
    engine.images.build(path=str(tmp_path / "ctx"), tag=f"{base_image}-test-swapped",
                        network_mode="none")
    run = run_cli(capsys, "package", "verify", "--format", "json", "--image", base_image,
                  f"{base_image}-test-swapped")
    assert run.code == 1
    assert json.loads(run.out)["problems"] == [
        "the added layer changes 'app/extra.txt', which the manifest does not list",
        f"entry '{PROPS}' listed in the manifest is missing from the added layer"]
