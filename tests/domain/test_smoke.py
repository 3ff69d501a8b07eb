from tests.factories import make_client, make_user


def test_new_client_lands_in_first_working_stage(db):
    manager = make_user(db, 'anna')
    client = make_client(db, manager)
    assert client.responsible.id == manager.id
