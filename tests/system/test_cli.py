from apptest_util import ROOT

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
    text = (ROOT / ".streamlit" / "config.toml").read_text()
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


def test_memory_is_trimmed_once_after_each_burst_of_work() -> None:
    """The server hands freed memory back when it goes quiet after work: once per
    burst, never while busy, never when it was idle all along."""
    policy = cli.IdleTrim(every=2.0, idle_share=0.05)
    cpu, trims = 0.0, []
    for used in [0.0, 0.01, 0.0, 1.5, 2.0, 0.3, 0.02, 0.0, 0.0, 0.9, 0.05, 0.0]:
        cpu += used
        trims.append(policy.step(cpu))
    assert trims == [
        False, False, False,  # idle from the start: nothing to return
        False, False, False,  # a wave of students (0.3 s in 2 s is still busy)
        True, False, False,  # quiet: trimmed once
        False, True, False,  # the next wave, then trimmed again
    ]  # fmt: skip


def test_malloc_trim_is_found_and_runs_on_glibc() -> None:
    import platform

    trim = cli._libc_malloc_trim()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert trim is not None
        trim()  # returns free pages; harmless at any time
    thread = cli.trim_when_idle(every=0.05)
    assert thread is None or thread.daemon


def test_the_server_never_asks_the_internet_for_its_address(monkeypatch) -> None:
    from streamlit import net_util
    from streamlit.web.server import server_util

    def no_network(*args, **kwargs):
        raise AssertionError("a request left the machine")

    monkeypatch.setattr(net_util, "get_external_ip", net_util.get_external_ip)  # restored after
    monkeypatch.setattr(net_util, "_make_blocking_http_get", no_network)
    cli.keep_offline()
    assert net_util.get_external_ip() is None
    # the origin check's fallback, for a socket from a host it does not know
    assert not server_util.is_url_from_allowed_origins("http://elsewhere.example:8501")
    assert server_util.is_url_from_allowed_origins("http://localhost:8501")
