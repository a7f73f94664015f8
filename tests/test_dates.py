import datetime

from config.dates import add_years


def test_a_horizon_from_29_february_ends_on_28_february_in_a_common_year():
    assert add_years(datetime.date(2024, 2, 29), 50) == datetime.date(2074, 2, 28)


def test_a_horizon_from_29_february_stays_on_29_february_in_a_leap_year():
    assert add_years(datetime.date(2024, 2, 29), 4) == datetime.date(2028, 2, 29)


def test_a_retention_time_keeps_its_time_of_day_and_zone():
    start = datetime.datetime(2028, 2, 29, 13, 5, tzinfo=datetime.UTC)
    assert add_years(start, 50) == datetime.datetime(2078, 2, 28, 13, 5, tzinfo=datetime.UTC)
