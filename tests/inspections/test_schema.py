from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator


def test_the_acceptance_and_photo_endpoints_are_in_the_openapi_schema():
    generator = SchemaGenerator(patterns=[path("api/v1/", include("inspections.urls"))])
    paths = generator.get_schema(request=None, public=True)["paths"]
    record = "/api/v1/projects/{project_id}/acceptance-records/{record_id}/"
    assert set(paths[record + "photos/"]) == {"get", "post"}
    assert "multipart/form-data" in paths[record + "photos/"]["post"]["requestBody"]["content"]
    for action in ("submit", "sign", "return", "accept"):
        assert "post" in paths[f"{record}{action}/"]
