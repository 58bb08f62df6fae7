def test_the_demo_school_serves_its_overview_to_its_staff(client_for, staff, school):
    response = client_for(staff).get(f"/s/{school.slug}/")
    assert response.status_code == 200
    assert school.name in response.content.decode()
