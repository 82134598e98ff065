"""ORM cascade deletes (analysis/cascades.py, volume.yaml `cascade-deletes`): deleting one object
whose model declares a collection relationship with a delete cascade is data-volume work (GAL114),
judged through the argument of the call site that reaches a generic `delete(self, object: M)`."""
from __future__ import annotations

from pathlib import Path

import pytest

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.analysis.ir import Module
from greenit_async_lint.analysis.summarize import summarize
from greenit_async_lint.cli import main
from greenit_async_lint.catalogue import CatalogueError, load_catalogue
from greenit_async_lint.catalogue.volume import build_volume
from greenit_async_lint.config import Config

APP = """\
from typing import Generic, Optional, TypeVar

from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

app = FastAPI()
M = TypeVar("M")


class Base(DeclarativeBase):
    pass


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    grants{annotation} = relationship("Grant"{keywords})


class Grant(Base):
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
{grant_user}


class Repository(Generic[M]):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delete(self, object: M) -> None:
        await self.session.delete(object)


async def get_session() -> AsyncSession:
    return AsyncSession()


async def remove(repository: Repository, role: Role) -> None:
    await repository.delete(role)


@app.delete("/roles/{{id}}")
async def delete_role(id: int, session: AsyncSession = Depends(get_session)):
    role = await session.get(Role, id)
{call}
"""

THROUGH_THE_REPOSITORY = "    await Repository(session).delete(role)"


GRANT_USER = '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))'


def findings(tmp_path: Path, annotation: str = ': Mapped[list["Grant"]]', keywords: str = ', cascade="all, delete"',
             call: str = THROUGH_THE_REPOSITORY, grant_user: str = GRANT_USER) -> list[tuple[int, str, str]]:
    (tmp_path / "app.py").write_text(APP.format(annotation=annotation, keywords=keywords, call=call,
                                                grant_user=grant_user))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    return [(f.line, f.code, f.severity) for f in report.findings]


@pytest.mark.parametrize("keywords", [', cascade="all, delete"', ', cascade="all"', ', cascade="all, delete-orphan"',
                                      ', cascade="save-update, merge, delete"', ', cascade="all", lazy="select"'])
def test_a_cascading_collection_deleted_through_a_generic_repository_is_heavy(tmp_path: Path, keywords: str) -> None:
    assert findings(tmp_path, keywords=keywords) == [(48, "GAL114", "violation")]


def test_the_message_names_the_relationship(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.format(annotation=': Mapped[list["Grant"]]', keywords=', cascade="all"',
                                                call=THROUGH_THE_REPOSITORY, grant_user=GRANT_USER))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert "every `Grant` row of `Role.grants`, one for each row of the other table it links to" in report.findings[0].message
    assert "cascade='all' and no passive_deletes at app.py:19" in report.findings[0].message


@pytest.mark.parametrize("keywords", [
    "",  # the default cascade (save-update, merge) deletes nothing
    ', cascade="save-update, merge"',
    ', cascade="all, delete", passive_deletes=True',  # the database deletes the rows
    ', cascade="all, delete", passive_deletes="all"',
    ', cascade="all, delete", lazy="dynamic"',  # never loaded
    ', cascade="all, delete", lazy="write_only"',
    ', cascade="all, delete", lazy="noload"',
    ', cascade="all, delete", viewonly=True',
    ', cascade="all, delete", uselist=False',  # one object
    ', cascade="all, delete", lazy="selectin"',  # read with the object on every load
    ', cascade="all, delete", lazy=False',  # SQLAlchemy's old spelling of joined (volume.yaml eager-loads)
])
def test_a_relationship_the_orm_does_not_walk_on_delete_is_not_reported(tmp_path: Path, keywords: str) -> None:
    assert findings(tmp_path, keywords=keywords) == []


@pytest.mark.parametrize("annotation, expected", [
    (': Mapped["Grant"]', []),  # many-to-one or one-to-one: one row
    (': Mapped[Optional["Grant"]]', []),
    ('', [(48, "GAL114", "violation")]),  # classic declarative: a collection unless uselist=False
    (': Mapped[set["Grant"]]', [(48, "GAL114", "violation")]),
])
def test_the_annotation_says_whether_the_relationship_is_a_collection(tmp_path: Path, annotation: str,
                                                                     expected: list[tuple[int, str, str]]) -> None:
    assert findings(tmp_path, annotation=annotation) == expected


@pytest.mark.parametrize("call, expected", [
    ("    await remove(Repository(session), role)", [(48, "GAL114", "violation")]),  # passed on two levels
    ("    await session.delete(role)", [(48, "GAL114", "violation")]),  # on the session itself
    ("    await Repository(session).delete(Grant())", []),  # another model
    ("    await Repository(session).delete(id)", []),  # not a model at all
    ("    role = Role()\n    await Repository(session).delete(role)", []),  # built by this request: no rows yet
])
def test_the_argument_of_the_call_site_decides(tmp_path: Path, call: str, expected: list[tuple[int, str, str]]) -> None:
    assert findings(tmp_path, call=call) == expected


@pytest.mark.parametrize("grant_user, keywords, expected", [
    ("", ', cascade="all, delete"', []),  # a grant's only foreign key is the role's: the role's own parts
    ("    pass", ', cascade="all, delete"', []),
    (GRANT_USER, ', cascade="all, delete"', [(48, "GAL114", "violation")]),  # also links to users: grows with them
])
def test_the_related_rows_must_link_to_another_table(tmp_path: Path, grant_user: str, keywords: str,
                                                     expected: list[tuple[int, str, str]]) -> None:
    assert findings(tmp_path, keywords=keywords, grant_user=grant_user) == expected


ROLE_KEY = '    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))'


@pytest.mark.parametrize("role_key, user_key, expected", [
    # Both optional: a grant belongs to a role or to a user (one owner), not to a pair.
    ('    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"))',
     '    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))', []),
    ('    role_id = Column(Integer, ForeignKey("roles.id"))', '    user_id = Column(Integer, ForeignKey("users.id"))', []),
    ('    role_id = Column(Integer, ForeignKey("roles.id"), nullable=False)',
     '    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)', [(48, "GAL114", "violation")]),
    ('    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), nullable=True)',
     '    user_id = Column(Integer, ForeignKey("users.id"), primary_key=True)', [(48, "GAL114", "violation")]),
])
def test_a_link_row_has_a_required_foreign_key(tmp_path: Path, role_key: str, user_key: str,
                                              expected: list[tuple[int, str, str]]) -> None:
    source = APP.replace("from sqlalchemy import ForeignKey", "from sqlalchemy import Column, ForeignKey, Integer")
    source = source.replace(ROLE_KEY, role_key)
    (tmp_path / "app.py").write_text(source.format(annotation=': Mapped[list["Grant"]]', keywords=', cascade="all"',
                                                   call=THROUGH_THE_REPOSITORY, grant_user=user_key))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [(f.line, f.code, f.severity) for f in report.findings] == expected


def test_a_related_model_the_summary_cannot_find_is_taken_as_growing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.replace('relationship("Grant"', 'relationship("Elsewhere"').format(
        annotation="", keywords=', cascade="all"', call=THROUGH_THE_REPOSITORY, grant_user=""))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [f.code for f in report.findings] == ["GAL114"]
    assert "every row of `Role.grants` and deletes each" in report.findings[0].message


def test_without_the_call_site_the_generic_parameter_says_nothing(tmp_path: Path) -> None:
    """A handler that deletes its own untyped parameter: no caller to ask, nothing reported."""
    call = "    return None\n\n\n@app.delete('/x')\nasync def other(thing, session: AsyncSession = Depends(get_session)):\n" \
           "    await Repository(session).delete(thing)"
    assert findings(tmp_path, call=call) == []


def test_the_summary_keeps_class_annotations_and_lines() -> None:
    module = summarize(b"class Role:\n    x = 1\n    grants: list[int] = make()\n", "app.py", "app", False)
    assert isinstance(module, Module)
    cls = module.classes["Role"]
    assert cls.attr_lines == {"x": 2, "grants": 3}
    assert set(cls.annotations) == {"grants"}


def test_the_catalogue_names_a_wrong_key() -> None:
    with pytest.raises(CatalogueError, match="volume.yaml.cascade-deletes.deleted"):
        build_volume({"cascade-deletes": {"deleted": ["sqlalchemy.orm.Session.delete"]}})
    with pytest.raises(CatalogueError, match=r"volume.yaml.cascade-deletes.unless.lazy\[0\]"):
        build_volume({"cascade-deletes": {"unless": {"lazy": [["dynamic"]]}}})


@pytest.mark.parametrize("section, key", [
    ({"unique-flags": "unique"}, "unique-flags"),  # a list, not one string
    ({"not-null-flags": [True]}, r"not-null-flags\[0\]"),
    ({"optional-types": "typing.Optional"}, "optional-types"),
    ({"nullable-keyword": ["nullable"]}, "nullable-keyword"),
    ({"lazy-keyword": 1}, "lazy-keyword"),
    ({"target-keyword": None, "target-keywords": "argument"}, "target-keywords"),
    # the message would name a keyword the rule does not honour
    ({"unless": {"viewonly": [True]}, "passive-keyword": "passive_deletes"}, "passive-keyword"),
])
def test_the_model_body_keywords_are_checked_by_key(section: dict[str, object], key: str) -> None:
    with pytest.raises(CatalogueError, match=f"volume.yaml.cascade-deletes.{key}"):
        build_volume({"cascade-deletes": section})


def test_the_orm_words_come_from_the_catalogue() -> None:
    rules = load_catalogue().volume.cascades
    assert (rules.passive_keyword, rules.target_keyword, rules.lazy_keyword, rules.nullable_keyword) == (
        "passive_deletes", "argument", "lazy", "nullable")
    assert rules.not_null_flags == {"primary_key"} and rules.unique_flags == {"primary_key", "unique"}
    assert "typing.Optional" in rules.optional_types and "mylib.Optional" not in rules.optional_types


def test_an_unknown_key_in_the_shipped_section_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from greenit_async_lint.catalogue import sources
    real = sources.read_resource

    def read(*parts: str) -> str:
        text = real(*parts)
        return text.replace("  lazy-keyword: lazy\n", "  lazy-keywrod: lazy\n") if parts == ("volume.yaml",) else text

    assert "  lazy-keyword: lazy\n" in real("volume.yaml")  # what the replacement relies on
    monkeypatch.setattr(sources, "read_resource", read)
    (tmp_path / "app.py").write_text("x = 1\n")
    assert main(["check", str(tmp_path), "--no-cache"]) == 2
    assert "volume.yaml.cascade-deletes.lazy-keywrod" in capsys.readouterr().err


@pytest.mark.parametrize("typing, grant_user, expected", [
    # `nullable-keyword` decides before the annotation: required
    ("from typing import Generic, Optional, TypeVar",
     '    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), nullable=False)', ["GAL114"]),
    ("from typing import Generic, Optional, TypeVar",
     '    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))', []),  # both optional
    # `optional-types` by qualified name, not by its last part: another library's Optional says nothing
    ("from typing import Generic, TypeVar\nfrom mylib import Optional",
     '    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))', ["GAL114"]),
])
def test_a_column_is_required_as_the_catalogue_words_say(tmp_path: Path, typing: str, grant_user: str,
                                                         expected: list[str]) -> None:
    source = APP.replace('    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))',
                         '    role_id: Mapped[Optional[int]] = mapped_column(ForeignKey("roles.id"))')
    source = source.replace("from typing import Generic, Optional, TypeVar", typing)
    (tmp_path / "app.py").write_text(source.format(annotation=': Mapped[list["Grant"]]', keywords=', cascade="all"',
                                                   call=THROUGH_THE_REPOSITORY, grant_user=grant_user))
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    assert [f.code for f in report.findings] == expected
