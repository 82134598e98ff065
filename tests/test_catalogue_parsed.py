"""The shipped catalogue's parsed copy (catalogue/parsed.py): a warm run reads JSON instead of
YAML, and the copy is used only for the very texts it was made from, only when it verifies."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.catalogue import CatalogueError, load, parsed, sources


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "greenit-async-lint"


def copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("catalogue-*"))


def _no_yaml(text: str, where: str) -> object:
    raise AssertionError(f"{where} parsed again")


def test_the_second_load_reads_the_copy_and_builds_the_same_catalogue(cache_home: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = load.load_catalogue()
    assert len(copies(cache_home)) == 1
    monkeypatch.setattr(parsed, "load_yaml", _no_yaml)
    second = load.load_catalogue()
    assert second.fingerprint == first.fingerprint
    assert second.codes == first.codes and second.family_code == first.family_code
    assert [fw.name for fw in second.frameworks] == [fw.name for fw in first.frameworks]
    assert second.work.table.patterns() == first.work.table.patterns()
    assert second.framework_remedies == first.framework_remedies


def test_an_edited_rules_file_is_parsed_again(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load.load_catalogue()
    real = sources.read_resource

    def read(*parts: str) -> str:
        text = real(*parts)
        return text.replace("tree-walk: os.walk", "tree-walk: os.wlak") if parts == ("volume.yaml",) else text

    monkeypatch.setattr(sources, "read_resource", read)
    with pytest.raises(CatalogueError, match=r"volume.yaml.tree-walk.*os.wlak"):
        load.load_catalogue()


def test_two_versions_of_the_catalogue_keep_a_copy_each(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project's venv and pre-commit's may run different versions: neither evicts the other's copy."""
    load.load_catalogue()
    real = sources.read_resource
    monkeypatch.setattr(sources, "read_resource",
                        lambda *parts: real(*parts) + ("\n# another version\n" if parts == ("codes.yaml",) else ""))
    load.load_catalogue()
    assert len(copies(cache_home)) == 2
    monkeypatch.setattr(parsed, "load_yaml", _no_yaml)
    load.load_catalogue()  # both read their own copy
    monkeypatch.setattr(sources, "read_resource", real)
    load.load_catalogue()


def test_an_altered_copy_is_not_believed(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load.load_catalogue()
    [copy] = copies(cache_home)
    data = copy.read_bytes()
    assert b'"GAL101"' in data
    copy.write_bytes(data.replace(b'"GAL101"', b'"GAL191"'))
    calls: list[str] = []
    real = parsed.load_yaml
    monkeypatch.setattr(parsed, "load_yaml", lambda text, where: calls.append(where) or real(text, where))
    assert "GAL101" in load.load_catalogue().codes and "codes.yaml" in calls


def test_without_a_usable_cache_folder_the_catalogue_still_loads(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # a file where the folder would go
    assert "GAL101" in load.load_catalogue().codes


def test_a_bad_key_in_the_users_additions_still_stops_the_load(cache_home: Path) -> None:
    load.load_catalogue()
    with pytest.raises(CatalogueError, match="extra-work"):
        load.load_catalogue({"extra-work": [{"family": "configured", "weight": "heavy", "calls": ["x.y"],
                                            "colour": "red"}]})
