"""A file that loads with a warning (values float32 changes, keys made from row numbers) says so in
the sidebar, as plain text, for as long as that table is active."""
from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.app.helpers import texts

SCRIPT = """
import streamlit as st
from embviz.app import sidebar
sidebar.render()
"""


class _Upload:
    def __init__(self, name: str, data: bytes):
        self.name, self._data, self.size, self.file_id = name, data, len(data), name

    def getvalue(self) -> bytes:
        return self._data

    def read(self) -> bytes:
        return self._data


def test_savetxt_upload_warns_that_keys_are_row_numbers(tmp_path):
    np.savetxt(tmp_path / "plain.txt", np.random.default_rng(0).normal(size=(20, 4)))
    # the upload callback runs as Streamlit runs it: inside the script, before a rerun
    at = AppTest.from_string(SCRIPT + "\nif not st.session_state.get('done'):\n"
                             "    st.session_state['done'] = True\n    sidebar._on_upload()\n    st.rerun()\n",
                             default_timeout=60)
    at.session_state["sidebar_upload"] = [_Upload("plain.txt", (tmp_path / "plain.txt").read_bytes())]
    at.run()
    assert not at.exception, at.exception
    warnings = " ".join(texts(at, "warning"))
    assert "row number" in warnings.lower() or "no keys" in warnings.lower(), warnings
    assert "20 words × 4 dimensions" in " ".join(texts(at, "text")), "the table is active"
