"""The demo vault: fictional clients and courses, for trying kapnotes without real data.

Every person here is invented. Surnames are plain placeholder words (Example,
Sample, Placeholder …), phone numbers use the 555-01xx range reserved for
fiction, and e-mail addresses use the example.org domain reserved by RFC 2606.
Everything goes through ClientStore, so it is validated and audited exactly like
data a clinician types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.store.clients import ClientStore
from kapnotes.store.vault import OpenVault

# Printed on the terminal by `kapnotes demo`: the demo vault holds fictional data only.
DEMO_PASSPHRASE = "kapnotes demo only"  # noqa: S105
DEMO_CLINICIAN = ("Dr Morgan Demo", "PsyD")


@dataclass(frozen=True)
class DemoCourse:
    """A course to start for a demo client, dated relative to today."""

    days_ago: int
    indication: str
    product: Product
    status: CourseStatus
    route_detail: str | None = None


@dataclass(frozen=True)
class DemoClient:
    """One fictional client and their courses."""

    client: ClientInput
    courses: tuple[DemoCourse, ...]


DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        ClientInput(
            name="Juniper Example",
            preferred_name="June",
            date_of_birth=date(1984, 3, 14),
            pronouns="she/her",
            contact="555-0101 · june.example@example.org",
            emergency_contact="Alder Example (partner), 555-0102",
            weight_kg=64.5,
            diagnoses="Major depressive disorder, recurrent, severe without psychotic features",
            medications="Sertraline 100 mg daily",
            allergies="Penicillin (rash)",
        ),
        (
            DemoCourse(
                120,
                "Treatment-resistant depression",
                Product.KETAMINE_SUBLINGUAL,
                CourseStatus.COMPLETED,
                "Lozenge 200 mg, held 15 min then spit",
            ),
            DemoCourse(
                14,
                "Treatment-resistant depression, maintenance",
                Product.KETAMINE_SUBLINGUAL,
                CourseStatus.ACTIVE,
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Marlow Sample",
            date_of_birth=date(1979, 11, 2),
            pronouns="he/him",
            contact="555-0111",
            emergency_contact="Reed Sample (brother), 555-0112",
            weight_kg=88.0,
            diagnoses="Post-traumatic stress disorder (PTSD), chronic",
            medications="Prazosin 2 mg at night; propranolol as needed",
            allergies="None known",
        ),
        (
            DemoCourse(
                30,
                "PTSD with depressive symptoms",
                Product.KETAMINE_IM,
                CourseStatus.ACTIVE,
                "0.75 mg/kg deltoid",
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Quinn Placeholder",
            preferred_name="Q",
            date_of_birth=date(1996, 6, 21),
            pronouns="they/them",
            contact="quinn.placeholder@example.org",
            emergency_contact="Sky Placeholder (parent), 555-0121",
            weight_kg=57.2,
            diagnoses="Major depressive disorder, recurrent; generalised anxiety disorder",
            medications="Bupropion XL 300 mg daily",
            allergies="Latex",
        ),
        (
            DemoCourse(
                3,
                "Treatment-resistant depression with anxious distress",
                Product.KETAMINE_IV,
                CourseStatus.PLANNED,
                "0.5 mg/kg over 40 min",
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Sasha Fictive",
            date_of_birth=date(1968, 1, 30),
            pronouns="she/her",
            contact="555-0131",
            emergency_contact="Ezra Fictive (son), 555-0132",
            weight_kg=71.0,
            diagnoses="Major depressive disorder, recurrent, moderate",
            medications="Venlafaxine XR 150 mg; lisinopril 10 mg",
            allergies="Sulfonamides",
        ),
        (
            DemoCourse(
                60,
                "Treatment-resistant depression",
                Product.ESKETAMINE_INTRANASAL,
                CourseStatus.ACTIVE,
                "56 mg, REMS-certified site",
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Ellis Specimen",
            date_of_birth=date(1990, 9, 9),
            pronouns="he/they",
            contact="ellis.specimen@example.org · 555-0141",
            weight_kg=79.3,
            diagnoses="Post-traumatic stress disorder (PTSD); alcohol use disorder, in sustained "
            "remission",
            medications="Naltrexone 50 mg daily",
            allergies="None known",
        ),
        (
            DemoCourse(
                200,
                "PTSD",
                Product.KETAMINE_IM,
                CourseStatus.DISCONTINUED,
                "Stopped after two sessions: blood pressure rises",
            ),
            DemoCourse(45, "PTSD", Product.KETAMINE_SUBLINGUAL, CourseStatus.ACTIVE),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Noor Hypothetical",
            preferred_name="Noor",
            date_of_birth=date(1975, 4, 5),
            pronouns="she/her",
            contact="555-0151",
            emergency_contact="Sam Hypothetical (spouse), 555-0152",
            weight_kg=62.8,
            diagnoses="Persistent depressive disorder (dysthymia); chronic pain",
            medications="Duloxetine 60 mg daily; gabapentin 300 mg three times daily",
            allergies="Codeine (nausea)",
        ),
        (
            DemoCourse(
                90,
                "Depression with chronic pain",
                Product.KETAMINE_ORAL,
                CourseStatus.COMPLETED,
                "Oral solution 100 mg",
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Robin Mockup",
            date_of_birth=date(2001, 12, 12),
            pronouns="ze/zir",
            contact="robin.mockup@example.org",
            emergency_contact="Cal Mockup (sibling), 555-0161",
            weight_kg=68.4,
            diagnoses="Major depressive disorder, single episode, severe; social anxiety disorder",
            medications="Escitalopram 20 mg daily",
            allergies="Peanuts (anaphylaxis; carries adrenaline auto-injector)",
        ),
        (
            DemoCourse(
                7,
                "Major depressive episode with suicidal ideation (no plan), safety plan in place",
                Product.KETAMINE_IV,
                CourseStatus.ACTIVE,
                "0.5 mg/kg over 40 min",
            ),
        ),
    ),
    DemoClient(
        ClientInput(
            name="Taylor Testperson",
            date_of_birth=date(1958, 8, 18),
            pronouns="he/him",
            contact="555-0171",
            emergency_contact="Jordan Testperson (daughter), 555-0172",
            weight_kg=95.6,
            diagnoses="Major depressive disorder, recurrent; obsessive-compulsive disorder",
            medications="Fluvoxamine 200 mg daily; amlodipine 5 mg",
            allergies="None known",
        ),
        (
            DemoCourse(
                21,
                "Treatment-resistant depression",
                Product.ESKETAMINE_INTRANASAL,
                CourseStatus.PLANNED,
                "84 mg planned after induction",
            ),
        ),
    ),
)


def populate_demo(vault: OpenVault, *, today: date | None = None) -> None:
    """Fill an (empty) demo vault with the fictional clients and their courses."""
    today = today or date.today()
    store = ClientStore(vault)
    for demo in DEMO_CLIENTS:
        client_id = store.create(demo.client)
        for course in demo.courses:
            store.add_course(
                client_id,
                CourseInput(
                    start_date=today - timedelta(days=course.days_ago),
                    indication=course.indication,
                    planned_product=course.product,
                    planned_route_detail=course.route_detail,
                    status=course.status,
                ),
            )
    add_demo_notes(vault, today)


def add_demo_notes(vault: OpenVault, today: date) -> None:
    """Notes of all three phases (some signed) and measures, from the spec's sample cases."""
    from kapnotes.store.demo_notes import write_demo_notes

    write_demo_notes(vault, today)
