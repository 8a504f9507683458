"""Settings → Clinic settings: every clinical setting of the clinic, validated, audited.

The form is laid out from the settings themselves (``ClinicSettings``): one tab per
part (alerts, vitals limits, monitoring, discharge, checklists, dose ranges, billing,
general), a row per value, named by its place ("hypertension › sustained above ›
systolic"). The pre-dose and discharge checklists are lists to add to, reword,
remove from and reorder (:mod:`kapnotes.ui.settings.checklist_editor`); a dosing
note started afterwards shows their items.
Whatever is typed is checked by the same bounded pydantic models that read
``clinic-settings.json``; a value that does not hold shows the reason next to it
and nothing is saved. **Restore defaults** fills the form with the clinical spec's
defaults (saved only with Save). Saving writes the file atomically and records
every changed value, old and new, in the audit trail
(:mod:`kapnotes.session.clinic_settings`). A change applies to new notes: a
dosing note keeps the settings it was started under.

The clinic letterhead and the backups have dialogs of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kapnotes.ui.dialogs.guarded import GuardedDialog
from kapnotes.ui.settings.checklist_editor import ChecklistEditor
from kapnotes.ui.widgets import ErrorLabel, admin_only_note, label, set_invalid

if TYPE_CHECKING:
    from kapnotes.domain.session import ClinicSettings

TABS = (
    ("alerts", "Alerts"),
    ("vitals_limits", "Vitals limits"),
    ("monitoring", "Monitoring"),
    ("discharge", "Discharge"),
    ("checklists", "Checklists"),
    ("dose_ranges", "Dose ranges"),
    ("billing", "Billing"),
    ("general", "General"),
)
GENERAL = ("note_format", "reminder_sound", "time_zone", "idle_lock_minutes")
#: Not edited here (their own dialogs), or fixed.
SKIPPED = ("format", "version", "letterhead", "backup")
CHOICES: dict[str, tuple[str, ...]] = {
    "severity": ("info", "warning", "critical"),
    "once_severity": ("info", "warning", "critical"),
    "rounding": ("midpoint", "whole_units"),
    "note_format": ("soap", "dap", "birp"),
    "decide_on": ("any", "latest"),
    "unit": ("mg", "mg_per_kg"),
}
#: How a stored choice reads in the dialog (the value itself is what is saved).
CHOICE_LABELS = {
    "info": "information",
    "any": "any pre-dose reading",
    "latest": "the latest pre-dose reading",
    "midpoint": "midpoint rule (CMS)",
    "whole_units": "whole units only",
    "soap": "SOAP",
    "dap": "DAP",
    "birp": "BIRP",
    "mg_per_kg": "mg/kg",
}
NAMES = {
    "systolic": "systolic (mmHg)",
    "diastolic": "diastolic (mmHg)",
    "spo2": "SpO2",
    "moaas": "MOAA/S",
    "cadss_total": "CADSS total",
    "min": "lowest",
    "max": "highest",
    "qhp_roles": "QHP roles (comma-separated)",
    "staff_roles": "staff roles (comma-separated)",
    "usual_totals": "usual totals (comma-separated)",
    "time_zone": "time zone (IANA name; empty: this computer's)",
    "idle_lock_minutes": "lock after minutes idle (empty: 5)",
}
#: The checklists, edited as lists on the Checklists tab: (setting, heading, by product).
CHECKLISTS = (
    ("pre_dose_checklist", "Pre-dose checklist (ticked before the first dose)", True),
    ("discharge_checklist", "Discharge criteria (ticked before discharge)", False),
)


def _words(key: str) -> str:
    from kapnotes.domain.clients import PRODUCT_LABELS, Product

    if key in {p.value for p in Product}:
        return PRODUCT_LABELS[Product(key)]
    if key in NAMES:
        return NAMES[key]
    words = key.replace("_", " ")
    for short, long in (
        (" minutes", " (min)"),
        (" min", " (min)"),
        (" bpm", " (bpm)"),
        (" percent", " (%)"),
        (" mg", " (mg)"),
    ):
        if words.endswith(short):
            words = words.removesuffix(short) + long
            break
    words = words.replace("pre dose", "pre-dose")
    return words.replace("bp", "BP").replace("rems", "REMS").replace("qhp", "QHP")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tab_of(path: str) -> str:
    top = path.split(".", 1)[0]
    if top in {name for name, _title, _by in CHECKLISTS}:
        return "checklists"
    if top == "discharge_ranges":
        return "discharge"
    if top in GENERAL:
        return "general"
    return top


class _Field:
    """One value of the form: its path, its editor, its error label."""

    def __init__(self, path: str, value: Any) -> None:
        self.path = path
        self.kind = type(value)
        self.error = ErrorLabel()
        key = path.rsplit(".", 1)[-1]
        self.widget: QWidget
        if isinstance(value, bool):
            self.widget = QCheckBox()
        elif key in CHOICES:
            combo = QComboBox()
            for choice in CHOICES[key]:
                combo.addItem(CHOICE_LABELS.get(choice, choice), choice)
            combo.setMaximumWidth(220)
            self.widget = combo
        else:
            edit = QLineEdit()
            if isinstance(value, int | float) or value is None:
                edit.setMaximumWidth(140)
            self.widget = edit
        self.widget.setObjectName(f"setting:{path}")
        self.set(value)
        # A message about the value goes once the value is changed (by the user).
        if isinstance(self.widget, QCheckBox):
            self.widget.clicked.connect(self.clear_error)
        elif isinstance(self.widget, QComboBox):
            self.widget.activated.connect(self.clear_error)
        elif isinstance(self.widget, QLineEdit):
            self.widget.textEdited.connect(self.clear_error)

    def clear_error(self) -> None:
        """Take the message and the red frame away (the value is being changed)."""
        self.error.show_message(None)
        set_invalid(self.widget, False)

    def set(self, value: Any) -> None:
        """Show ``value``."""
        if isinstance(self.widget, QCheckBox):
            self.widget.setChecked(bool(value))
        elif isinstance(self.widget, QComboBox):
            found = self.widget.findData(str(value))
            self.widget.setCurrentIndex(max(found, 0))
        elif isinstance(self.widget, QLineEdit):
            if isinstance(value, list | tuple):
                self.widget.setText(", ".join(_number(v) for v in value))
            else:
                self.widget.setText("" if value is None else _number(value))

    def value_text(self) -> object:
        """What the editor shows, unparsed (to tell whether it was changed)."""
        if isinstance(self.widget, QCheckBox):
            return self.widget.isChecked()
        if isinstance(self.widget, QComboBox):
            return self.widget.currentData()
        return self.widget.text() if isinstance(self.widget, QLineEdit) else None

    def value(self) -> Any:
        """What the form says, as JSON data for the settings model to check."""
        if isinstance(self.widget, QCheckBox):
            return self.widget.isChecked()
        if isinstance(self.widget, QComboBox):
            return self.widget.currentData()
        text = self.widget.text().strip() if isinstance(self.widget, QLineEdit) else ""
        if self.kind in (list, tuple):
            return [_parse(part.strip()) for part in text.split(",") if part.strip()]
        if text == "":
            return None
        return _parse(text)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key, inner in value.items():
            out += _leaves(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix, value)]


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class ClinicSettingsDialog(GuardedDialog):
    """Edit the clinic's settings (see the module docstring).

    ``save`` writes the checked settings (and audits them); it is handed in by the
    main window.
    """

    def __init__(
        self,
        current: ClinicSettings,
        save: Callable[[ClinicSettings], object],
        parent: QWidget | None = None,
        *,
        editable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clinicSettingsDialog")
        self.editable = editable
        self.setWindowTitle("Clinic settings")
        self.resize(760, 640)
        self._current = current
        self._save = save
        self.fields: dict[str, _Field] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("clinicSettingsTabs")
        forms: dict[str, QFormLayout] = {}
        self.pages: dict[str, QScrollArea] = {}
        for key, title in TABS:
            page = QWidget()
            form = QFormLayout(page)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            forms[key] = form
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, title)
            self.pages[key] = scroll
        data = current.model_dump(mode="json")
        self.checklists: dict[str, ChecklistEditor] = {}
        for name, title, by_product in CHECKLISTS:
            editor = ChecklistEditor(name, title, by_product=by_product)
            editor.set_items(data.pop(name))
            self.checklists[name] = editor
        groups: dict[str, QFormLayout] = {}
        names: dict[str, list[QLabel]] = {}
        for path, value in _leaves({k: v for k, v in data.items() if k not in SKIPPED}):
            field = _Field(path, value)
            self.fields[path] = field
            tab = _tab_of(path)
            parts = path.split(".")
            host = forms[tab]
            name = _words(parts[-1])
            if len(parts) > 2:
                group_key = ".".join(parts[:2])
                if group_key not in groups:
                    box = QGroupBox(_cap(_words(parts[1])))
                    groups[group_key] = QFormLayout(box)
                    host.addRow(box)
                host = groups[group_key]
                name = " › ".join(_words(p) for p in parts[2:])
            row_label = QLabel(_cap(name))
            names.setdefault(tab, []).append(row_label)
            host.addRow(row_label, field.widget)
            host.addRow("", field.error)
        # One label column per tab: the values of every group line up.
        for labels in names.values():
            widest = max(lbl.sizeHint().width() for lbl in labels)
            for lbl in labels:
                lbl.setMinimumWidth(widest)
        forms["checklists"].addRow(
            label(
                "A dosing note started from now on shows these items in its pre-dose and "
                "discharge checklists; notes already started keep theirs. Double-click an "
                "item to reword it.",
                "muted",
                wrap=True,
            )
        )
        for editor in self.checklists.values():
            forms["checklists"].addRow(editor)
        self.error = ErrorLabel()
        self.error.setObjectName("clinicSettingsError")
        note = label(
            "Changes apply to notes started from now on: a dosing note keeps the settings "
            "it was started under. Every change is written to the audit trail.",
            "muted",
            wrap=True,
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.cancel)
        self.defaults_button = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.defaults_button.clicked.connect(self.restore_defaults)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        if not editable:
            self.read_only_note = admin_only_note("the clinic settings", "clinicSettingsReadOnly")
            layout.addWidget(self.read_only_note)
            self._read_only()
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.remember_shown()

    def form_state(self) -> tuple[object, ...]:
        """What the form shows now (every value and checklist), to tell an edit."""
        values = tuple(field.value_text() for field in self.fields.values())
        return values + tuple(editor.state() for editor in self.checklists.values())

    discard_text = "The clinic settings were changed and not saved. Discard the changes?"

    def changes_matter(self) -> bool:
        """A read-only form (not an administrator) has nothing to lose."""
        return self.editable

    def _read_only(self) -> None:
        for field in self.fields.values():
            if isinstance(field.widget, QLineEdit):
                field.widget.setReadOnly(True)
            else:
                field.widget.setEnabled(False)
        for editor in self.checklists.values():
            editor.set_read_only(True)
        self.save_button.setEnabled(False)
        self.defaults_button.setEnabled(False)
        self.close_button.setText("Close")

    def show_settings(self, settings: ClinicSettings) -> None:
        """Fill the form with ``settings``."""
        data = settings.model_dump(mode="json")
        for path, value in _leaves({k: v for k, v in data.items() if k not in SKIPPED}):
            if path in self.fields:
                self.fields[path].set(value)
        for name, editor in self.checklists.items():
            editor.set_items(data[name])

    def restore_defaults(self) -> None:
        """The clinical spec's defaults in the form (the time zone and letterhead stay)."""
        from kapnotes.domain.session import ClinicSettings

        self.show_settings(ClinicSettings(time_zone=self._current.time_zone))

    def settings(self) -> ClinicSettings:
        """The form's settings; ValueError (ValidationError or SettingsError) when one is wrong.

        Every problem is also shown next to its field.
        """
        from pydantic import ValidationError

        from kapnotes.domain.session import ClinicSettings

        for field in self.fields.values():
            field.error.show_message(None)
            set_invalid(field.widget, False)
        self.error.show_message(None)
        data = self._current.model_dump(mode="json")
        data.update(_nest({path: f.value() for path, f in self.fields.items()}))
        try:
            for name, editor in self.checklists.items():
                data[name] = editor.items()
        except ValueError:
            self.tabs.setCurrentIndex(_tab_index("checklists"))
            raise
        try:
            return ClinicSettings.model_validate(data)
        except ValidationError as exc:
            self._show_errors(exc)
            raise

    def _show_errors(self, exc: Any) -> None:
        unplaced: list[str] = []
        first_tab: int | None = None
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            entry = (error.get("ctx") or {}).get("entry")
            if entry is not None:  # a rule on a group that names the value it is about
                loc.append(str(entry))
            message = _plain(str(error["msg"]))
            target = self._field_for(loc)
            if target is None:
                if loc and loc[0] in self.checklists:
                    self.checklists[loc[0]].show_error(_checklist_message(loc, message))
                    first_tab = _tab_index("checklists") if first_tab is None else first_tab
                    continue
                unplaced.append(f"{'.'.join(loc) or 'settings'}: {message}")
                continue
            target.error.show_message(message)
            set_invalid(target.widget, True)
            if first_tab is None:
                first_tab = _tab_index(_tab_of(target.path))
        if unplaced:
            self.error.show_message("; ".join(unplaced))
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)

    def _field_for(self, loc: list[str]) -> _Field | None:
        path = ".".join(loc)
        if path in self.fields:
            return self.fields[path]
        # a model-level problem (min above max): put it on the group's first value
        prefix = path + "." if path else ""
        if prefix + "min" in self.fields:  # "min is above max": beside the lower bound
            return self.fields[prefix + "min"]
        for key, field in self.fields.items():
            if key.startswith(prefix):
                return field
        return None

    def accept(self) -> None:
        """Check everything; save and close only when every value holds (and who
        unlocked may change them: else the reason is shown and nothing is saved)."""
        if not self.editable:
            return
        try:
            chosen = self.settings()
        except ValueError:
            return
        try:
            self._save(chosen)
        except ValueError as exc:  # NotAllowedError: not an administrator
            self.error.show_message(str(exc))
            return
        super().accept()


def _plain(message: str) -> str:
    """Pydantic's message, as a clinician reads it."""
    message = message.removeprefix("Value error, ")
    replacements = {
        "Input should be a valid integer": "Must be a whole number",
        "Input should be a valid number": "Must be a number",
        "Input should be less than or equal to": "Must be at most",
        "Input should be greater than or equal to": "Must be at least",
        "Input should be greater than": "Must be more than",
        "Input should be a valid string": "Required",
    }
    for old, new in replacements.items():
        if message.startswith(old):
            return new + message.removeprefix(old).split(",")[0]
    return message[:1].upper() + message[1:]


def _tab_index(key: str) -> int:
    return [k for k, _t in TABS].index(key)


def _checklist_message(loc: list[str], message: str) -> str:
    """Pydantic's problem with a checklist, named by the item's place in the list."""
    if len(loc) > 1 and loc[1].isdigit():
        return f"Item {int(loc[1]) + 1}: {message}"
    if "at least 1 item" in message:
        return "Keep at least one item."
    return message
