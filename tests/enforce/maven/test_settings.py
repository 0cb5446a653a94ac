"""Which local repository is read: explicit, settings' localRepository, else the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from superspec.enforce.maven.settings import local_repository
from superspec.errors import InputError


def settings(path: Path, repo: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<settings>\n  <localRepository>{repo}</localRepository>\n</settings>\n")


def test_explicit_repository_wins(tmp_path: Path) -> None:
    settings(tmp_path / "home/.m2/settings.xml", "/elsewhere")
    assert local_repository(tmp_path / "r", home=tmp_path / "home", env={}) == tmp_path / "r"


def test_user_settings_then_maven_home_then_default(tmp_path: Path) -> None:
    home, maven_home = tmp_path / "home", tmp_path / "maven"
    env = {"MAVEN_HOME": str(maven_home)}
    # Debian's global settings leave localRepository commented out: the default applies
    assert local_repository(None, home=home, env=env) == home / ".m2/repository"
    settings(maven_home / "conf/settings.xml", "${user.home}/global-repo")
    assert local_repository(None, home=home, env=env) == home / "global-repo"
    settings(home / ".m2/settings.xml", "${env.REPO_BASE}/user-repo")
    env["REPO_BASE"] = "/srv"
    assert local_repository(None, home=home, env=env) == Path("/srv/user-repo")


def test_debian_settings_named_explicitly(tmp_path: Path) -> None:
    debian = Path("/etc/maven/settings-debian.xml")
    assert debian.is_file(), "Debian maven missing: run .ci/install-system-deps.sh"
    env = {"SUPERSPEC_MAVEN_SETTINGS": str(debian)}
    assert local_repository(None, home=tmp_path, env=env) == Path("/usr/share/maven-repo")


def test_malformed_settings_are_located(tmp_path: Path) -> None:
    (tmp_path / ".m2").mkdir()
    (tmp_path / ".m2/settings.xml").write_text("<settings>\n<localRepository>\n</settings>\n")
    with pytest.raises(InputError) as err:
        local_repository(None, home=tmp_path, env={})
    assert str(err.value) == f"{tmp_path}/.m2/settings.xml:3: malformed XML: mismatched tag"
