"""Settings → Audit trail: filters, the chain's state, the CSV export (real widgets)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.domain.session.settings import BloodPressure
from kapnotes.session.clinic_settings import save
from kapnotes.store.catalog import Catalog
from kapnotes.store.clients import ClientStore
from kapnotes.store.vault import OpenVault
from kapnotes.ui.settings.audit_dialog import AuditDialog


def _lower_threshold(vault: OpenVault) -> None:
    catalog = Catalog(vault.vault.data_dir)
    current, _ = catalog.clinic_settings()
    rule = current.alerts.hypertension.model_copy(
        update={"sustained_above": BloodPressure(systolic=170, diastolic=110)}
    )
    alerts = current.alerts.model_copy(update={"hypertension": rule})
    save(vault, catalog, current.model_copy(update={"alerts": alerts}))


def test_the_threshold_change_is_found_by_action_and_exported(
    qtbot: QtBot, qtmodeltester: ModelTester, open_vault: OpenVault, tmp_path: Path
) -> None:
    clients = ClientStore(open_vault)
    kim = clients.create(ClientInput(name="Kim Fictional"))
    clients.create(ClientInput(name="Lee Fictional"))
    _lower_threshold(open_vault)
    out = tmp_path / "trail"
    dialog = AuditDialog(open_vault, ask_path=lambda _p: out)
    qtbot.addWidget(dialog)
    dialog.show()
    qtmodeltester.check(dialog.model)
    assert "verifies" in dialog.chain_label.text()
    assert dialog.model.rowCount() >= 4

    dialog.action_combo.setCurrentIndex(dialog.action_combo.findText("settings.change"))
    assert [r.action for r in dialog.model.rows] == ["settings.change"]
    detail = dialog.model.index(0, 5).data()
    assert "alerts.hypertension.sustained_above.systolic: 180 → 170" in detail
    assert dialog.model.index(0, 2).data() == "Dr Ada Quill"

    dialog.action_combo.setCurrentIndex(0)
    dialog.client_combo.setCurrentIndex(dialog.client_combo.findData(kim))
    assert {r.client_name for r in dialog.model.rows} == {"Kim Fictional"}

    dialog.from_check.setChecked(True)
    dialog.from_edit.setDate(dialog.from_edit.date().addDays(40))  # in the future: nothing
    assert dialog.model.rowCount() == 0 and not dialog.export_button.isEnabled()
    dialog.from_check.setChecked(False)

    written = dialog.export()
    assert written == tmp_path / "trail.csv"
    with written.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["seq", "time_utc", "clinician", "action"]
    assert {r[6] for r in rows[1:]} == {"Kim Fictional"}
    dialog.refresh()
    dialog.client_combo.setCurrentIndex(0)
    assert "audit.export" in [r.action for r in dialog.model.rows]


def test_a_broken_chain_is_shown(
    qtbot: QtBot, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.store import audit_view

    broken = audit_view.ChainState(3, ["audit event 2: hash mismatch"])
    monkeypatch.setattr(audit_view, "chain_state", lambda _v: broken)
    dialog = AuditDialog(open_vault)
    qtbot.addWidget(dialog)
    assert "does NOT verify" in dialog.chain_label.text()
    assert "event 2" in dialog.chain_label.text()
