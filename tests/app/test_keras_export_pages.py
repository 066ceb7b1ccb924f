"""Every page that trains networks offers them as Keras files (issue #27: "every network
trained here leaves as a Keras model"), beside the playground's Model tab."""

from __future__ import annotations

import pytest
from apptest_util import APP, open_tab
from streamlit.testing.v1 import AppTest

PAGES = {
    # page, its tabs' key, the tab with the trained networks, a small scene
    "regularization": ("regularization_tab", "Generalisation gap", {"rg_epochs": "100"}),
    "schedules": ("schedules_tab", "Training side by side", {"sc_epochs": "50"}),
    "transfer": ("transfer_tab", "Networks", {}),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_trained_network_downloads_as_a_keras_file(page: str) -> None:
    key, tab, query = PAGES[page]
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(f"pages/{page}.py")
    at.run()
    open_tab(at, key, tab)
    assert not at.exception, [e.value for e in at.exception]
    runs = at.selectbox(key="export_run")
    runs.set_value(len(runs.options) - 1).run()
    at.button(key="keras_export").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (download,) = at.get("download_button")
    label = download.proto.label
    assert label.startswith("Download optiviz-") and label.endswith(".keras")
    assert any("keras.saving.load_model" in c.value for c in at.caption)
