from __future__ import annotations


def test_the_openapi_document_describes_the_api_and_its_bearer_key(anon_client):
    document = anon_client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Deckhand API"
    assert "/api/v1/notes" in document["paths"]
    assert "/api/v1/study/reviews" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())


def test_the_docs_page_loads_its_scripts_from_our_own_static_files(anon_client):
    response = anon_client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
