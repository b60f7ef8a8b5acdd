# SPDX-License-Identifier: MIT
"""The camera through the real daemon: a V4L2 node that is not there or is
no camera is reported with why; a file-backed frame source (the V4L2 path
after DQBUF) gives the photos of a whole return as JPEGs of its frames;
a camera that goes away is reported missing, the photo step fails with
"camera ... is gone", the clerk skips it, and the camera comes back."""
import io
import os
import shutil

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for

W, H = 64, 48


def yuyv_frames(path, brightness):
    """A file of YUYV frames back to back, one per brightness."""
    with open(path, "wb") as f:
        for y in brightness:
            f.write(bytes([y, 128]) * (W * H))


def frames_camera(path, **keys):
    cam = {"backend": "frames", "frames": str(path), "width": W,
           "height": H, "fps": 50, "timeout_ms": 1000}
    cam.update(keys)
    return {"camera": cam}


def camera_status(st):
    return st.status()["devices"]["camera"]


@pytest.mark.parametrize("device,why", [
    ("/nonexistent/video7",
     "no such device /nonexistent/video7, waiting for it"),
    ("/dev/null", "camera /dev/null: not a V4L2 device"),
], ids=["missing-node", "not-a-camera"])
def test_v4l2_node_that_is_no_camera_is_reported(make_station, device, why):
    """Not a camera: refused.  Not plugged in yet: waited for (udev's
    video nodes are watched), and the status says which."""
    st = make_station(board={"camera": {"backend": "v4l2",
                                        "device": device}})
    cam = camera_status(st)
    assert cam["ok"] is False, cam
    if device == "/dev/null":
        assert cam["present"] is False, cam
    assert why in cam["last_error"], cam
    assert why in st.log()
    # the other devices work
    assert st.status()["devices"]["printer"]["present"] is True


def test_photos_of_a_return_are_jpegs_of_the_frames(make_station, tmp_path):
    from PIL import Image

    raw = tmp_path / "frames.yuyv"
    # skip = 1: the first frame (dark) is never a photo
    yuyv_frames(raw, [10, 160, 160, 160])
    st = make_station(board=frames_camera(raw, skip=1, loop=1,
                                          quality=90))
    st.import_expected(expected_return())
    st.sign_in()
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT], grade="A")
    rec = st.ctl_json("returns", "show", s["receipt"], "--json")
    assert len(rec["photos"]) >= 2, rec["photos"]
    for ph in rec["photos"]:
        sha = ph["sha256"]
        path = st.dir / "photos" / sha[:2] / (sha[2:] + ".jpg")
        data = path.read_bytes()
        assert data[:2] == b"\xff\xd8", path
        img = Image.open(io.BytesIO(data)).convert("L")
        assert img.size == (W, H)
        mean = sum(img.getdata()) / (W * H)
        assert abs(mean - 160) < 4, mean


def test_camera_gone_mid_routine_photo_skipped(make_station, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    yuyv_frames(frames / "0.yuyv", [120])
    st = make_station(board=frames_camera(frames, loop=1))
    assert camera_status(st)["ok"] is True
    st.import_expected(expected_return())
    st.sign_in()

    # unplugged before the parcel is photographed
    shutil.rmtree(frames)
    gone = "camera %s is gone" % frames
    st.feed("RMA-10001")
    s = wait_for(lambda: (x := st.status())["step"] == "photo" and
                 gone in (x.get("problem") or "") and x,
                 timeout=10, what="the photo step to say the camera is gone")
    assert "press the pedal to retry, or skip the photo" in s["problem"], s
    cam = camera_status(st)
    # opened at start, so "present"; not ok, and why
    assert cam["ok"] is False and gone in cam["last_error"], cam

    # the clerk skips the photo; the routine goes on
    code, answer = st.call("POST", "/api/v1/skip")
    assert code == 200, answer
    st.wait_step("items")

    # plugged in again: back within the retry
    frames.mkdir()
    yuyv_frames(frames / "0.yuyv", [120])
    wait_for(lambda: camera_status(st)["ok"] is True, timeout=5,
             what="the camera back")
