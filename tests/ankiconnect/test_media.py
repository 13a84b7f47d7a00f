"""storeMediaFile and friends: base64 data, no local paths, downloads only from
allowlisted hosts at public addresses."""

from __future__ import annotations

import base64
import http.server
import threading

import pytest

from ankiconnect import fetch
from flashcards.models import Media
from flashcards.services.media import media_path


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_it_stores_retrieves_lists_and_deletes_a_file(anki, owner):
    assert anki("storeMediaFile", filename="hello.mp3", data=b64(b"ID3 sound")) == "hello.mp3"
    assert anki("retrieveMediaFile", filename="hello.mp3") == b64(b"ID3 sound")
    assert anki("getMediaFilesNames", pattern="*.mp3") == ["hello.mp3"]
    anki("deleteMediaFile", filename="hello.mp3")
    assert anki("retrieveMediaFile", filename="hello.mp3") is False
    assert not Media.objects.filter(owner=owner).exists()


def test_store_media_file_replaces_a_file_of_the_same_name_by_default(anki, owner):
    anki("storeMediaFile", filename="a.png", data=b64(b"first"))
    anki("storeMediaFile", filename="a.png", data=b64(b"second"))
    media = Media.objects.get(owner=owner, filename="a.png")
    assert media_path(media.sha256).read_bytes() == b"second"
    kept = anki("storeMediaFile", filename="a.png", data=b64(b"third"), deleteExisting=False)
    assert kept != "a.png" and kept.endswith(".png")


def test_skip_hash_skips_a_file_already_known(anki):
    import hashlib

    data = b"same bytes"
    result = anki(
        "storeMediaFile", filename="x.png", data=b64(data), skipHash=hashlib.md5(data).hexdigest()
    )
    assert result is None


def test_it_refuses_paths_bad_names_and_bad_base64(anki):
    assert "cannot read files on your computer" in anki.error(
        "storeMediaFile", filename="a.png", path="/etc/passwd"
    )
    assert anki.error("storeMediaFile", filename="a.png") == (
        'You must provide a "data", "path", or "url" field.'
    )
    assert "not a plain file name" in anki.error(
        "storeMediaFile", filename="../../etc/x.png", data=b64(b"x")
    )
    assert anki.error("storeMediaFile", filename="a.png", data="%%%").startswith(
        '"data" is not valid base64'
    )


def test_it_refuses_a_file_over_the_size_limit(anki, settings):
    settings.MAX_MEDIA_UPLOAD_MB = 1
    error = anki.error("storeMediaFile", filename="big.png", data=b64(b"x" * 1_200_000))
    assert "1 MB limit" in error


def test_a_note_can_carry_its_picture(anki, owner):
    note_id = anki(
        "addNote",
        note={
            "deckName": "Default",
            "modelName": "Basic",
            "fields": {"Front": "cat", "Back": ""},
            "picture": [{"data": b64(b"\x89PNG"), "filename": "cat.png", "fields": ["Back"]}],
            "audio": {"data": b64(b"ID3"), "filename": "cat.mp3", "fields": ["Front"]},
        },
    )
    [info] = anki("notesInfo", notes=[note_id])
    assert info["fields"]["Back"]["value"] == '<img src="cat.png">'
    assert info["fields"]["Front"]["value"] == "cat[sound:cat.mp3]"
    assert set(Media.objects.filter(owner=owner).values_list("filename", flat=True)) == {
        "cat.png",
        "cat.mp3",
    }


def test_get_media_dir_path_says_there_is_no_folder(anki, owner):
    text = anki("getMediaDirPath")
    assert "storeMediaFile" in text and f"/media/{owner.pk}/" in text


# --- Downloads ----------------------------------------------------------------------


def test_urls_are_refused_when_no_host_is_allowed(anki, settings):
    settings.ANKICONNECT_MEDIA_URL_ALLOWLIST = []
    error = anki.error("storeMediaFile", filename="a.png", url="https://example.org/a.png")
    assert "ANKICONNECT_MEDIA_URL_ALLOWLIST is empty" in error


def test_urls_are_refused_for_hosts_not_on_the_allowlist(anki, settings):
    settings.ANKICONNECT_MEDIA_URL_ALLOWLIST = ["*.wikimedia.org"]
    error = anki.error("storeMediaFile", filename="a.png", url="https://evil.example/a.png")
    assert error == "downloads from evil.example are not allowed on this server " + (
        "(ANKICONNECT_MEDIA_URL_ALLOWLIST)"
    )


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.4", "169.254.169.254", "::1", "fd00::1"]
)
def test_an_allowed_host_at_a_private_address_is_never_fetched(
    anki, settings, monkeypatch, address
):
    settings.ANKICONNECT_MEDIA_URL_ALLOWLIST = ["media.example"]
    monkeypatch.setattr(fetch, "resolve_addresses", lambda host, port: [address])

    def no_connection(*args, **kwargs):
        raise AssertionError("a private address was connected to")

    monkeypatch.setattr(fetch.socket, "create_connection", no_connection)
    error = anki.error("storeMediaFile", filename="a.png", url="http://media.example/a.png")
    assert error == "media.example resolves to a private or local address; refused"


def test_a_literal_private_address_is_refused_even_if_allowlisted(anki, settings):
    settings.ANKICONNECT_MEDIA_URL_ALLOWLIST = ["169.254.169.254"]
    error = anki.error("storeMediaFile", filename="a", url="http://169.254.169.254/latest/")
    assert "private or local address" in error


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/cat.png":
            body = b"\x89PNG downloaded"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://internal.example/secret")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 1_100_000)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server(monkeypatch, settings):
    """A local server standing in for media.example, whose address counts as public here."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    addresses = {"media.example": "127.0.0.1", "internal.example": "10.0.0.7"}
    monkeypatch.setattr(fetch, "resolve_addresses", lambda host, port: [addresses[host]])
    real = fetch.is_public_address
    monkeypatch.setattr(fetch, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    settings.ANKICONNECT_MEDIA_URL_ALLOWLIST = ["media.example", "internal.example"]
    yield f"http://media.example:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_file_is_downloaded_from_an_allowed_host(anki, owner, file_server):
    assert anki("storeMediaFile", filename="cat.png", url=f"{file_server}/cat.png") == "cat.png"
    media = Media.objects.get(owner=owner, filename="cat.png")
    assert media_path(media.sha256).read_bytes() == b"\x89PNG downloaded"


def test_a_redirect_to_a_private_address_is_not_followed(anki, file_server):
    error = anki.error("storeMediaFile", filename="a.png", url=f"{file_server}/to-private")
    assert error == "internal.example resolves to a private or local address; refused"


def test_a_download_stops_at_the_size_limit(anki, settings, file_server):
    settings.MAX_MEDIA_UPLOAD_MB = 1
    error = anki.error("storeMediaFile", filename="big.png", url=f"{file_server}/big")
    assert error == "that file is larger than the 1 MB limit"


def test_a_failed_download_says_so(anki, file_server):
    error = anki.error("storeMediaFile", filename="a.png", url=f"{file_server}/missing")
    assert error.endswith("download failed with return code 404")
