"""The default E-Security Policy every school starts from, written for Bastion in plain words.

It keeps the shape of the policy schools already use (two groups of statements) and covers every
row of the policy (bastion/controls/catalogue.py): each statement carries its row's code, and a
row may have more than one statement. Words in {{ double braces }} are live facts
(bastion/policy/facts.py): the systems register, the roles and the settings fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Default:
    key: str
    code: str
    text: str


@dataclass(frozen=True)
class DefaultSection:
    key: str
    title: str
    intro: str
    statements: tuple[Default, ...]


STRATEGIC = DefaultSection(
    "strategic",
    "Strategic and operational practices",
    "At this school:",
    (
        Default(
            "review",
            "P0",
            "This policy is reviewed at least once a year. The SIRO signs off each review, and "
            "the review date, the date of the next review and who reviewed it are recorded at "
            "the top of this policy.",
        ),
        Default(
            "siro",
            "P1",
            "The Head Teacher, {{ siro_name }}, is the Senior Information Risk Owner (SIRO).",
        ),
        Default(
            "dpo",
            "P2",
            "The Data Protection Officer (DPO), with responsibility for data protection "
            "compliance, is {{ dpo_name }}. The DPO role is discrete from the SIRO: it must not "
            "be held by the same person.",
        ),
        Default(
            "asset-owners",
            "P3",
            "Staff are clear who the key contacts for key school information are (the "
            "Information Asset Owners). We have listed the information and the information "
            "asset owners in our information asset register, which we keep as a spreadsheet.",
        ),
        Default(
            "incidents",
            "P4",
            "We ensure staff know to immediately report, and who to report to, any incidents "
            "where data protection may have been compromised, such as when passwords for "
            "sensitive systems or devices are lost or stolen, so that relevant action(s) can be "
            "taken. Reports go at once to the DPO ({{ dpo_name }}) and the SIRO "
            "({{ siro_name }}); a breach that must be reported reaches the ICO within 72 hours "
            "of our becoming aware of it.",
        ),
        Default(
            "dbs",
            "P5",
            "All staff are DBS checked and records are held in one central record (the Single "
            "Central Record).",
        ),
        Default(
            "agreements",
            "P6",
            "We ensure ALL the following school stakeholders sign an Acceptable Use Agreement. "
            "We have a system so we know who has signed.\n\n"
            "- staff\n- governors\n- pupils\n- parents\n- volunteers\n\n"
            "This makes clear all responsibilities and expectations with regard to data "
            "security.",
        ),
        Default(
            "filtering",
            "P7",
            "We have approved educational web filtering across our wired and wireless "
            "networks. We also have an additional layer of monitoring software across our "
            "network system. A named senior leader and a named governor are responsible for "
            "filtering and monitoring; we record what is blocked or allowed and why, and we "
            "review both at least once a year.",
        ),
        Default(
            "monitoring",
            "P7",
            "We monitor school e-mails, blogs, online platforms, etc. to ensure compliance with "
            "the Acceptable Use Agreement. As well as monitoring usage, we may also monitor the "
            "content of e-mails, blogs, etc.",
        ),
        Default(
            "transfers",
            "P8",
            "We follow local authority and academy trust guidelines for the transfer of any "
            "data, such as MIS data or reports of children, to professionals working in the "
            "local authority or their partners in Children's Services / Family Services, "
            "Health, Welfare and Social Services. We log each transfer and use only channels "
            "approved for that kind of recipient.",
        ),
        Default(
            "accounts",
            "P9",
            "All staff have their own unique username and private password to access school "
            "systems. Staff are responsible for keeping their passwords private.",
        ),
        Default(
            "strong-passwords",
            "P10",
            "We require staff to use strong passwords for access into our MIS ({{ mis }}).",
        ),
        Default(
            "password-changes",
            "P11",
            "We require staff to change their passwords into the MIS, {{ login_admin }} and "
            "other secure systems {{ password_change_period }}.",
        ),
        Default(
            "removal",
            "P12",
            "We require that any personal or sensitive material must be encrypted if the "
            "material is to be removed from the school, and we limit such data removal. We keep "
            "a record of what is taken off site, by whom and why.",
        ),
        Default(
            "remote-access",
            "P12",
            "We have an approved remote access solution ({{ remote_access }}) so staff can "
            "access sensitive and other data from home, without need to take data home.",
        ),
        Default(
            "provisioning",
            "P13",
            "School staff who set up usernames and passwords for e-mail, network access and "
            "other online services work within the approved system and follow the security "
            "processes required by those systems.",
        ),
        Default(
            "housekeeping",
            "P14",
            "We ask staff to undertake house-keeping checks at least annually to review, remove "
            "and destroy any digital materials and documents which need no longer be stored.",
        ),
    ),
)

TECHNICAL = DefaultSection(
    "technical",
    "Technical or manual solutions",
    "",
    (
        Default(
            "secure-areas",
            "T1",
            "Staff have secure areas on the network to store sensitive documents or photographs.",
        ),
        Default(
            "lock-out",
            "T2",
            "We require staff to log out of systems when leaving their computer, but also "
            "enforce lock-out after {{ idle_lock_minutes }} minutes.",
        ),
        Default(
            "flash-drives",
            "T3",
            "We use encrypted flash drives if any member of staff has to take any sensitive "
            "information off site.",
        ),
        Default(
            "vpn",
            "T4",
            "We use {{ remote_access }} with its two-factor authentication for remote access "
            "into our systems.",
        ),
        Default(
            "ctf",
            "T5",
            "We use {{ dfe_transfer }} to securely transfer CTF pupil data files to the DfE and "
            "other schools.",
        ),
        Default(
            "admissions",
            "T6",
            "We use {{ admissions }} to transfer admissions data. Staff with access to the "
            "admissions system also use a one-time-password tag ({{ otp_tokens }}) as an extra "
            "precaution.",
        ),
        Default(
            "auto-accounts",
            "T7",
            "We use {{ account_provisioning }} for creation of online user accounts for access "
            "to services and online resources, so accounts follow the MIS.",
        ),
        Default(
            "school-transfer",
            "T8",
            "We use {{ school_transfer }} to transfer documents to other schools, such as "
            "references and reports of children.",
        ),
        Default(
            "storage",
            "T9",
            "We use {{ document_storage }} for online document storage.",
        ),
        Default(
            "cabinets",
            "T10",
            "We store any sensitive or special category written material in lockable storage "
            "cabinets in a lockable storage area.",
        ),
        Default(
            "servers",
            "T11",
            "All servers are in lockable locations and managed by DBS-checked staff.",
        ),
        Default(
            "backups",
            "T12",
            "We lock any back-up tapes in a secure, fire-proof cabinet. Back-ups are encrypted. "
            "No back-up tapes leave the site on mobile devices. We test that our back-ups can "
            "be restored.",
        ),
        Default(
            "remote-backup",
            "T13",
            "We use {{ offsite_backup }} for remote secure back-up for disaster recovery on our "
            "network / admin and curriculum servers.",
        ),
        Default(
            "disposal",
            "T14",
            "We comply with the WEEE directive on equipment disposal, by using "
            "{{ disposal_contractors }} for disposal of IT equipment. For systems where any "
            "protected or restricted data has been held (such as servers and photocopiers), we "
            "get a certificate of secure deletion.",
        ),
        Default(
            "loans",
            "T15",
            "Portable equipment loaned by the school (for use by staff at home), where used for "
            "any protected data, is disposed of through the same procedure.",
        ),
        Default(
            "shredding",
            "T16",
            "Paper based sensitive information is shredded, using a cross-cut shredder.",
        ),
    ),
)

SECTIONS: tuple[DefaultSection, ...] = (STRATEGIC, TECHNICAL)
