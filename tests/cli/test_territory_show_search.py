"""``healthycity territory show`` and ``search`` on the demo territory (read-only)."""

import json

from typer.testing import Result


def test_territory_show_nievre_lists_parents_and_children(run_demo) -> None:
    result: Result = run_demo("territory", "show", "departement", "58")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Nièvre (département 58)"
    assert "Parents : région 27 Bourgogne-Franche-Comté" in lines
    assert "Contour : oui" in lines
    assert any(line.startswith("Enfants : 309 communes, ") for line in lines)


def test_territory_show_json_is_machine_readable(run_demo) -> None:
    result = run_demo("territory", "show", "Département", "58", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["name"] == "Nièvre"
    assert shown["level"] == "departement"
    assert shown["parents"] == [
        {"level": "region", "code": "27", "name": "Bourgogne-Franche-Comté"}
    ]
    assert shown["children"]["commune"] == 309
    assert shown["population"] > 190_000
    assert shown["has_geometry"] is True


def test_territory_show_commune_has_epci_departement_and_region(run_demo) -> None:
    result = run_demo("territory", "show", "commune", "58194", "--json")  # Nevers
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["name"] == "Nevers"
    assert [p["level"] for p in shown["parents"]] == ["epci", "departement", "region"]
    assert shown["children"] == {}


def test_territory_search_finds_both_chateau_chinon(run_demo) -> None:
    result = run_demo("territory", "search", "chateau", "chinon")
    assert result.exit_code == 0, result.output
    assert "58062" in result.stdout
    assert "Château-Chinon (Ville)" in result.stdout
    assert "58063" in result.stdout
    assert "Château-Chinon (Campagne)" in result.stdout


def test_territory_search_filters_by_level_and_limits(run_demo) -> None:
    result = run_demo("territory", "search", "nievre", "--level", "departement", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Nièvre" in result.stdout
    assert "commune" not in result.stdout


def test_territory_search_without_match_says_so(run_demo) -> None:
    result = run_demo("territory", "search", "zzzqqq")
    assert result.exit_code == 0
    assert result.stdout.startswith("Aucun territoire ne correspond à « zzzqqq »")


def test_territory_search_without_letters_is_a_user_error(run_demo) -> None:
    result = run_demo("territory", "search", "--", "---")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : Search text '---'")


def test_territory_search_unknown_level_is_a_user_error(run_demo) -> None:
    result = run_demo("territory", "search", "nevers", "--level", "canton")
    assert result.exit_code == 1
    assert "'canton'" in result.stderr
