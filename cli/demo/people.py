"""A realistic, reproducible demo district: schools, calendars, students, guardians, staff.

Phone numbers are in the fictional 555-01xx/555-02xx ranges and emails at example domains, so
nothing real is ever contacted; some people share a phone, some have an extension, some have no
device at all, and some numbers will have opted out of texts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smlog.v1 import common_pb2, dispatch_pb2

FIRST = [
    "Ava",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Elijah",
    "Mia",
    "Lucas",
    "Amelia",
    "Mateo",
    "Sofia",
    "Ethan",
    "Isabella",
    "Aiden",
    "Harper",
    "Jackson",
    "Camila",
    "Leo",
    "Aria",
    "Grayson",
    "Luna",
    "Ezra",
    "Chloe",
    "Kai",
    "Nora",
    "Omar",
    "Zoe",
    "Yusuf",
    "Priya",
    "Wei",
    "Ana",
    "Diego",
]
LAST = [
    "Garcia",
    "Smith",
    "Johnson",
    "Nguyen",
    "Patel",
    "Brown",
    "Lopez",
    "Kim",
    "Martinez",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Hernandez",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Hill",
    "Green",
    "Adams",
]
SCHOOLS = ("Lincoln Elementary", "Roosevelt Middle School", "Jefferson High School")
SCHOOL_YEAR = "2026-27"
LANGUAGES = ("English",) * 8 + ("Spanish", "Vietnamese")


@dataclass
class Person:
    person_id: str
    name: str
    role: str  # guardian, student, staff
    school: int  # index into SCHOOLS
    student_name: str = ""
    language: str = "English"
    devices: list[dispatch_pb2.Device] = field(default_factory=list)

    def recipient(self) -> dispatch_pb2.Recipient:
        return dispatch_pb2.Recipient(
            person_id=self.person_id,
            name=self.name,
            student_name=self.student_name,
            preferred_language=self.language,
            devices=self.devices,
        )


def _phone(rng: random.Random) -> str:
    # +1 555 01xx-xxxx style numbers: fictional, never the simulators' magic 555-0100 block.
    return f"+1555{rng.randint(200, 999):03d}{rng.randint(1000, 9999):04d}"


def build_district(size: int = 3000, seed: int = 2026) -> list[Person]:
    """About ``size`` people: 45% guardians, 45% students, 10% staff."""
    rng = random.Random(seed)
    people: list[Person] = []
    phone = dispatch_pb2.DEVICE_TYPE_PHONE
    shared_phones: list[str] = []
    for i in range(size):
        role = rng.choices(("guardian", "student", "staff"), weights=(45, 45, 10))[0]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        person = Person(f"p{i:05d}", name, role, rng.randrange(len(SCHOOLS)))
        person.language = rng.choice(LANGUAGES)
        if role == "guardian":
            person.student_name = f"{rng.choice(FIRST)} {name.split()[1]}"
        roll = rng.random()
        if roll < 0.03:
            people.append(person)  # no device at all
            continue
        person.devices.append(
            dispatch_pb2.Device(device_type=dispatch_pb2.DEVICE_TYPE_PORTAL_INBOX,
                                address=f"portal-{person.person_id}")
        )  # fmt: skip
        if rng.random() < 0.85:
            email = f"{name.lower().replace(' ', '.')}{i}@example.org"
            person.devices.append(
                dispatch_pb2.Device(device_type=dispatch_pb2.DEVICE_TYPE_EMAIL, address=email)
            )
        if role != "student" or rng.random() < 0.4:
            number = (
                rng.choice(shared_phones) if shared_phones and rng.random() < 0.05 else _phone(rng)
            )
            shared_phones.append(number)
            person.devices.append(dispatch_pb2.Device(device_type=phone, address=number))
            if rng.random() < 0.5:  # a second number (work or cell), voice only, emergencies
                person.devices.append(
                    dispatch_pb2.Device(
                        device_type=phone,
                        address=_phone(rng),
                        extension=str(rng.randint(100, 999)) if role == "staff" else "",
                        delivery_modes=[common_pb2.DELIVERY_MODE_VOICE],
                        message_types=[common_pb2.MESSAGE_TYPE_EMERGENCY],
                    )
                )
        if role == "staff" and rng.random() < 0.5:  # a desk phone with an extension
            person.devices.append(
                dispatch_pb2.Device(device_type=phone, address=_phone(rng),
                                    extension=str(rng.randint(100, 999)))
            )  # fmt: skip
        people.append(person)
    return people


def phones(people: list[Person]) -> list[str]:
    return sorted(
        {
            d.address
            for p in people
            for d in p.devices
            if d.device_type == dispatch_pb2.DEVICE_TYPE_PHONE and not d.extension
        }
    )
