from datetime import date


def test_participant_records_a_meeting_with_two_responsibilities(actions):
    school = actions.school()
    kari = actions.person("Kari", school=school)
    ola = actions.person("Ola", side="entreprenor", school=school)
    phone = actions.participant_client(kari)
    page = phone.get("/meetings/new")
    assert page.status_code == 200, page.get_data(as_text=True)
    token = actions.token(phone, "/meetings/new")
    html = page.get_data(as_text=True)
    import re
    meeting_id = re.search(r'name="id" type="hidden" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "id": meeting_id, "date": date.today().isoformat(), "school": school["id"],
            "type": "planning", "attendees": [kari["id"], ola["id"]], "guests": "", "agenda": "A", "notes": "N",
            "decisions": "D", "responsibilities-0-what": "Lage plan", "responsibilities-0-owner": kari["id"],
            "responsibilities-0-due": "2026-12-01", "responsibilities-1-what": "Ringe foreldre",
            "responsibilities-1-owner": ola["id"], "responsibilities-1-due": "", "action": "save"}
    response = phone.post("/meetings/new", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    detail = phone.get(response.headers["Location"])
    assert "Lage plan" in detail.get_data(as_text=True)
    assert len(actions.store().find("responsibilities")) == 2
    home = phone.get("/").get_data(as_text=True)
    assert "Lage plan" in home and "Ringe foreldre" not in home
    for path in ["/responsibilities/", "/feedback/", "/feedback/new", "/meetings/"]:
        assert phone.get(path).status_code == 200, path
