import io

from bastion.people.models import Person

PUPILS = (
    "UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group\n"
    "A123456789012,Ada,Lovelace,2017-05-01,3,3B\n"
    "B123456789012,Alan,Turing,01/02/2016,4,4A\n"
)


def test_a_pupil_roster_is_previewed_then_imported_once(client_for, office, school):
    client = client_for(office)
    upload = io.BytesIO(PUPILS.encode())
    upload.name = "pupils.csv"
    response = client.post(f"/s/{school.slug}/people/import/", {"kind": "pupils", "file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    job_url = response["Location"]
    response = client.get(job_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Which column is which" in page
    response = client.post(
        job_url,
        {
            "col_mis_id": "UPN",
            "col_first_name": "Legal Forename",
            "col_last_name": "Legal Surname",
            "col_date_of_birth": "DOB",
            "col_year_group": "Year",
            "col_class_name": "Reg Group",
            "mark_leavers": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(job_url).content.decode()
    assert "What the import will do" in page, page[:3000]
    response = client.post(job_url + "confirm/")
    assert response.status_code == 302
    assert Person.objects.filter(school=school, kind="pupil").count() == 2
    page = client.get(f"/s/{school.slug}/people/?q=ada").content.decode()
    assert "Lovelace" in page and "Turing" not in page
