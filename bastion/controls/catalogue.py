"""The policy's rows (DESIGN.md section 2): every one is a control on the dashboard.

The id is how the registers, the tests and the generated policy refer to a row.
"""

from __future__ import annotations

ROWS: dict[str, str] = {
    "P0": "The policy is reviewed every year and the review is recorded",
    "P1": "The head teacher is the Senior Information Risk Owner",
    "P2": "A named Data Protection Officer, who is not the SIRO",
    "P3": "Information asset owners and the information asset register",
    "P4": "Data protection incidents are reported at once and handled",
    "P5": "All staff are DBS checked and recorded in the Single Central Record",
    "P6": "Everyone signs an Acceptable Use Agreement, and the school knows who has",
    "P7": "Web filtering and monitoring are in place and checked",
    "P8": "Data transfers follow the local authority's and trust's guidelines",
    "P9": "Every member of staff has a personal account and a private password",
    "P10": "Strong passwords for the MIS and other systems",
    "P11": "Passwords for secure systems are changed at least twice a year",
    "P12": "Sensitive data taken off site is encrypted, limited and logged",
    "P13": "Accounts are set up with the approved systems and their security processes",
    "P14": "A yearly housekeeping of digital material no longer needed",
    "T1": "Sensitive documents and photographs are kept in secure areas",
    "T2": "Computers are locked when left, and lock themselves after a few minutes",
    "T3": "Sensitive data off site only on encrypted media",
    "T4": "Remote access needs two-factor authentication",
    "T5": "Pupil files (CTF) are sent through the DfE's secure service",
    "T6": "Admissions one-time-password tokens are issued to named people",
    "T7": "Accounts are created from the MIS",
    "T8": "Documents go to other schools through a secure transfer service",
    "T9": "Online document storage is an approved system",
    "T10": "Sensitive paper is kept in lockable cabinets in a lockable area",
    "T11": "Servers are in lockable places, managed by DBS-checked staff",
    "T12": "Backups are encrypted, locked away in a fire-proof place, and restore tests are done",
    "T13": "A remote secure backup for disaster recovery",
    "T14": "Equipment is disposed of by an approved company, with certificates of deletion",
    "T15": "Loaned portable equipment is disposed of the same way",
    "T16": "Paper is shredded with a cross-cut shredder",
}
