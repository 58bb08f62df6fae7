"""The default agreement texts a school starts from (written for Bastion; the school edits them).

Each carries the commitments of the E-Security Policy that apply to its audience: personal
accounts and private passwords (P9), reporting incidents at once and to whom (P4), monitoring
of e-mail and platforms (P7), encryption and limits on taking data off site (P12, T3), logging
out and locking (T2), keeping personal data and photographs safe (T1).
"""

from __future__ import annotations

from bastion.agreements.models import Audience

TITLES = {
    Audience.STAFF: "Staff Acceptable Use Agreement",
    Audience.GOVERNOR: "Governors' Acceptable Use Agreement",
    Audience.VOLUNTEER: "Volunteers' Acceptable Use Agreement",
    Audience.PARENT: "Parents' and Carers' Acceptable Use Agreement",
    Audience.PUPIL_YOUNGER: "Our class online safety promise",
    Audience.PUPIL_OLDER: "Pupils' Acceptable Use Agreement",
}

_ADULT_COMMON = """\
## My account and password

- I use only my own username and account. I never use someone else's, and I never let anyone
  use mine.
- I keep my passwords private. I choose strong passwords, and I change the passwords of the
  management information system and other secure systems when the school asks (at least twice
  a year).
- I log out or lock the screen whenever I leave a computer, even for a moment. School devices
  also lock themselves after 10 minutes.

## Personal data

- I do not share personal data about pupils, families or colleagues with anyone who does not
  need it for their work, and never on personal social media or messaging apps.
- I keep sensitive documents and photographs of pupils only in the school's secure storage
  areas, never on personal devices or personal cloud accounts.
- I do not take personal or sensitive data off site unless I must. When I must, it goes only on
  an encrypted device or encrypted flash drive issued by the school, and I use the school's
  approved remote access with two-factor authentication instead wherever I can.
- Paper with personal information is locked away, and shredded with the cross-cut shredder when
  it is no longer needed.

## Reporting

- I report **at once** any incident where data may have been put at risk: a lost or stolen
  device or flash drive, a password someone else may know, an e-mail sent to the wrong person.
  I report it in Bastion ("Report an incident") or tell the Data Protection Officer or the
  Head Teacher (the Senior Information Risk Owner) straight away, so they can act in time.
- I report anything online that worries me about a child's safety to the Designated
  Safeguarding Lead.

## Monitoring

- I understand that the school filters internet access on its wired and wireless networks and
  monitors the use of its systems, including the content of school e-mail, blogs and online
  platforms, to make sure this agreement is kept.
"""

TEXTS = {
    Audience.STAFF: f"""\
This agreement keeps pupils, colleagues and the school safe online. Please read it, then sign.

{_ADULT_COMMON}
## Equipment and accounts I set up

- I use school equipment lent to me with care, keep it encrypted and return it when asked.
  Equipment that held personal data is disposed of only through the school.
- When I set up usernames and passwords for e-mail, the network or online services, I use the
  school's approved systems and follow their security processes.
- At least once a year I review, remove and destroy digital material I no longer need.

## Communication

- I communicate with pupils and parents only through the school's approved channels.
- Photographs and videos of pupils are taken on school equipment, for school purposes, and
  only of pupils whose parents have given consent.

I understand that breaking this agreement may lead to disciplinary action.
""",
    Audience.GOVERNOR: f"""\
As a governor I see confidential information about pupils, staff and the school. This agreement
sets out how I keep it safe.

{_ADULT_COMMON}
## Governor papers

- I read governor papers through the school's secure systems and do not forward or print them
  unless I must; printed papers are kept safe and shredded after use.
- I use the e-mail account the school gives me for governor business.
""",
    Audience.VOLUNTEER: f"""\
Thank you for volunteering with us. While you help in school you may see information about
children and their families. This agreement explains how to keep it safe.

{_ADULT_COMMON}
## While I volunteer

- I do not take photographs or videos of pupils on my own phone or camera.
- I do not contact pupils or their families online or share anything about them.
- I only use school computers and accounts the school has given me, for the work I am asked
  to do.
""",
    Audience.PARENT: """\
We ask every parent and carer to sign this agreement, so that we work together to keep
children safe online.

## At school

- I know that my child uses the internet and school accounts for learning, that the school
  filters internet access, and that it monitors the use of its systems, including e-mail and
  online platforms.
- I will help my child keep their passwords private and to tell an adult if anything online
  worries them.

## Personal data and photographs

- I will not post photographs or videos of other people's children taken at school events on
  social media.
- I will not share personal information about other pupils, families or staff online.
- I will tell the school office when our contact details change, so the school's records stay
  right.

## Reporting

- If I think that information about my child or my family has been lost, sent to the wrong
  person or misused, I will tell the school office at once, who will pass it to the Data
  Protection Officer.
- I will raise any concerns with the school directly rather than online.
""",
    Audience.PUPIL_YOUNGER: """\
We talked about this together in class. We promise:

- I only use the computer or tablet when a grown-up says I can.
- I keep my password secret. I only tell my teacher or my grown-ups at home.
- I only use my own login.
- I am kind online.
- If something online makes me feel worried or sad, I **tell a grown-up straight away**.
- I ask before I take a photo of someone.
- I never tell anyone online my name, my address or my school.
""",
    Audience.PUPIL_OLDER: """\
This agreement is about using computers, tablets and the internet safely at school.

## My account

- I only log in with my own username, and I keep my password private.
- I log out when I have finished, so nobody can use my account.

## Being safe and kind

- I only visit websites and use apps my teacher has allowed. I know the school filters the
  internet and checks how school computers and accounts are used, including messages.
- I am polite and kind online, and I do not share anything that could upset someone.
- I never share personal information (mine or anyone else's), such as addresses, phone
  numbers, passwords or photographs, without permission from an adult.
- I ask permission before taking a photograph or video of anyone.

## Telling someone

- If I see something that worries me, or if I think someone knows my password, I tell a
  teacher **straight away**.
- I look after the school's equipment and tell an adult if something is lost or broken.

I understand that if I break this agreement I may not be allowed to use school computers for a
while.
""",
}
