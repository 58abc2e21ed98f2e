"""Writes the sample national files in this folder (made up, in the published layouts), matching
the registry of ../practices.csv and ../care_homes.csv after a month of changes:

- epraccur.csv: Greasbrough Medical Centre (C87003) closed on 31 March 2026, a new practice
  (C87006), a practice of another commissioner (02P) and a non-practice (prescribing setting 1);
- ePCN.xlsx: Clifton Medical Centre (C87002) moves from Rotherham Central North PCN to Maltby
  Wickersley PCN on 1 April 2026; the new practice joins Maltby Wickersley PCN;
- HSCA_Active_Locations.ods and .xlsx: Oakwood Lodge's beds 40 → 42, Ashfield View missing
  (deregistered), a new EMI nursing home, a dormant location, a dental practice (not a care home),
  a home in another area and one registered for learning disabilities and older people.

Run from the project root: ``.venv/bin/python docs/samples/national/make_samples.py``."""

import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.national_files import cqc_ods, cqc_xlsx, epcn_xlsx, epraccur_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
D = datetime.date

PRACTICES = [
    {"ods": "C87001", "name": "Broom Lane Medical Centre", "postcode": "S60 3NP"},
    {"ods": "C87002", "name": "Clifton Medical Centre", "postcode": "S65 2AJ"},
    {
        "ods": "C87003",
        "name": "Greasbrough Medical Centre",
        "postcode": "S61 4PX",
        "status": "C",
        "closed": "20260331",
    },
    {"ods": "C87004", "name": "Maltby Health Centre", "postcode": "S66 8DP"},
    {"ods": "C87005", "name": "Wickersley Health Centre", "postcode": "S66 1EJ"},
    {"ods": "C87006", "name": "Dalton Surgery", "postcode": "S65 3QL", "opened": "20260401"},
    {"ods": "C84001", "name": "Elsewhere Surgery", "postcode": "NG1 1AA", "commissioner": "02P"},
    {"ods": "Y05999", "name": "Rotherham Prison Healthcare", "postcode": "S60 1AA", "setting": "1"},
]
PCNS = [
    {"code": "U51663", "name": "ROTHERHAM CENTRAL NORTH PCN"},
    {"code": "U51664", "name": "MALTBY WICKERSLEY PCN"},
    {"code": "U84001", "name": "ELSEWHERE PCN", "commissioner": "02P"},
]
PARTNERS = [
    {"ods": "C87001", "pcn": "U51663"},
    {"ods": "C87002", "pcn": "U51663", "end": D(2026, 3, 31)},
    {"ods": "C87002", "pcn": "U51664", "start": "20260401"},
    {"ods": "C87003", "pcn": "U51663", "end": "31/03/2026"},
    {"ods": "C87004", "pcn": "U51664"},
    {"ods": "C87005", "pcn": "U51664"},
    {"ods": "C87006", "pcn": "U51664", "start": D(2026, 4, 1)},
    {"ods": "C84001", "pcn": "U84001", "commissioner": "02P"},
]
AREA = "NHS South Yorkshire ICB - 03L"
LOCATIONS = [
    {"id": "1-101613254", "name": "Oakwood Lodge", "postcode": "S60 2UB", "beds": 42, "ccg": AREA},
    {"id": "1-101613301", "name": "Beechcroft House", "postcode": "S60 3AR", "beds": 32,
     "nursing": True, "bands": {"dementia", "older"}, "ccg": AREA},
    {"id": "1-102245871", "name": "Moorgate Court", "postcode": "S60 2BX", "beds": 58,
     "nursing": True, "ccg": AREA},
    {"id": "1-103384422", "name": "Hollybank Grange", "postcode": "S65 2PQ", "beds": 26,
     "bands": {"dementia"}, "ccg": AREA},
    {"id": "1-105009876", "name": "Willow Gardens", "postcode": "S65 1AB", "beds": 8,
     "bands": {"ld"}, "ccg": AREA},
    {"id": "1-106123456", "name": "Thornhill Nursing Home", "postcode": "S61 1TT", "beds": 60,
     "nursing": True, "bands": {"dementia", "older"}, "ccg": AREA},
    {"id": "1-106123457", "name": "Sleepy Hollow", "postcode": "S61 1TU", "dormant": "Y",
     "ccg": AREA},
    {"id": "1-106123458", "name": "Rotherham Dental Care", "postcode": "S60 1DC",
     "care_home": "N", "ccg": AREA},
    {"id": "1-106123459", "name": "Far Fields", "postcode": "NG1 2FF",
     "ccg": "NHS Nottingham and Nottinghamshire ICB - 52R"},
    {"id": "1-106123460", "name": "Riverside House", "postcode": "S62 6RR", "beds": 12,
     "bands": {"ld", "older"}, "ccg": AREA},
]  # fmt: skip


def main():
    (HERE / "epraccur.csv").write_bytes(epraccur_csv(PRACTICES))
    (HERE / "ePCN.xlsx").write_bytes(epcn_xlsx(PCNS, PARTNERS))
    (HERE / "HSCA_Active_Locations.ods").write_bytes(cqc_ods(LOCATIONS))
    (HERE / "HSCA_Active_Locations.xlsx").write_bytes(cqc_xlsx(LOCATIONS))


if __name__ == "__main__":
    main()
