from pathlib import Path

from optiviz import cli


def test_app_path_points_at_the_router() -> None:
    path = cli.app_path()
    assert path.name == "app.py" and path.is_file()


def test_flags_pass_through_and_defaults_are_added() -> None:
    argv = cli.build_argv(["--port", "8600", "--server.address=127.0.0.1", "--theme.base", "dark"])
    assert argv[:3] == ["streamlit", "run", str(cli.app_path())]
    assert "--server.port=8600" in argv
    assert "--server.address=127.0.0.1" in argv
    assert "--theme.base=dark" in argv
    assert "--browser.gatherUsageStats=false" in argv
    assert "--server.headless=true" in argv
    assert "--runner.postScriptGC=false" in argv  # a full collection per run: too slow
    assert "--runner.magicEnabled=false" in argv  # re-parsed every page per new session


def test_user_choice_overrides_default() -> None:
    argv = cli.build_argv(["--server.headless=false"])
    assert "--server.headless=false" in argv and "--server.headless=true" not in argv


def test_streamlit_config_is_private() -> None:
    text = (Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text()
    assert "gatherUsageStats = false" in text
    assert "headless = true" in text
    assert "postScriptGC = false" in text
    assert "magicEnabled = false" in text


def test_malloc_tuning_is_harmless() -> None:
    import platform

    result = cli.tune_malloc()
    assert isinstance(result, bool)
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert result


def test_version_flag(capsys) -> None:
    cli.main(["--version"])
    assert capsys.readouterr().out.startswith("optiviz ")
