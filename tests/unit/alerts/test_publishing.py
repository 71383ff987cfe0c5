"""Built-in publish-hook providers are imported once; a missing one is skipped."""

from pathlib import Path

import pytest

from healthycity.alerts import publishing


def test_builtin_hook_modules_are_imported_and_missing_ones_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a stand-in list of module names: one that exists, one that is not installed
    monkeypatch.setattr(
        publishing, "BUILTIN_HOOK_MODULES", ("healthycity.alerts.feed", "healthycity.nothing_here")
    )
    monkeypatch.setattr(publishing, "_builtins_loaded", False)
    publishing._load_builtin_hooks()
    assert publishing._builtins_loaded is True


def test_builtin_hook_module_with_a_broken_import_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "broken_hooks_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("import healthycity.no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(publishing, "BUILTIN_HOOK_MODULES", ("broken_hooks_pkg",))
    monkeypatch.setattr(publishing, "_builtins_loaded", False)
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        publishing._load_builtin_hooks()
