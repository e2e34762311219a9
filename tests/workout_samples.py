"""Workout files as watches write them, made here: GPX with gpxpy, TCX as Garmin's schema
lays it out, FIT with fit-tool. A run goes due north at an even pace, a point every 10 s,
and may stand still for a while halfway (a pause the moving time leaves out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import gpxpy.gpx
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport

START = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
STEP_S = 10
METRES_PER_DEGREE = 6_378_137 * 3.141592653589793 / 180  # along a meridian, as gpxpy


def _track(km: float, pace_s_per_km: float, pause_s: int) -> list[tuple[float, float]]:
    """(seconds from the start, metres run) for each point."""
    step_m = 1000 * STEP_S / pace_s_per_km
    steps = round(km * 1000 / step_m)
    points, t = [], 0
    for i in range(steps + 1):
        points.append((t, i * step_m))
        t += STEP_S
        if pause_s and i == steps // 2:
            for _ in range(pause_s // STEP_S):
                points.append((t, i * step_m))
                t += STEP_S
    return points


def gpx_run(
    start: datetime = START,
    *,
    km: float = 5.0,
    pace_s_per_km: float = 330,
    pause_s: int = 0,
    sport: str | None = None,
    times: bool = True,
) -> bytes:
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="Morning run")
    track.type = sport
    segment = gpxpy.gpx.GPXTrackSegment()
    for t, metres in _track(km, pace_s_per_km, pause_s):
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                52.0 + metres / METRES_PER_DEGREE,
                13.0,
                elevation=34.0,
                time=start + timedelta(seconds=t) if times else None,
            )
        )
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml().encode()


def tcx_run(
    start: datetime = START,
    *,
    km: float = 5.0,
    pace_s_per_km: float = 330,
    pause_s: int = 0,
    sport: str = "Running",
) -> bytes:
    points = _track(km, pace_s_per_km, pause_s)
    total_s = points[-1][0]
    trackpoints = "".join(
        f"<Trackpoint><Time>{(start + timedelta(seconds=t)):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<Position><LatitudeDegrees>{52.0 + m / METRES_PER_DEGREE:.7f}</LatitudeDegrees>"
        "<LongitudeDegrees>13.0</LongitudeDegrees></Position>"
        f"<DistanceMeters>{m:.1f}</DistanceMeters></Trackpoint>"
        for t, m in points
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{total_s}'
        f"</TotalTimeSeconds><DistanceMeters>{km * 1000:.1f}</DistanceMeters>"
        f"<Calories>300</Calories><Track>{trackpoints}</Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def fit_run(
    start: datetime = START,
    *,
    km: float = 5.0,
    timer_s: float = 1650,
    elapsed_s: float = 1710,
    sport: Sport = Sport.RUNNING,
    records: int = 20,
) -> bytes:
    ms = round(start.timestamp() * 1000)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = ms
    file_id.serial_number = 0x12345678
    builder.add(file_id)
    for i in range(records):
        record = RecordMessage()
        record.timestamp = ms + i * 1000 * round(elapsed_s / max(records - 1, 1))
        record.distance = km * 1000 * i / max(records - 1, 1)
        builder.add(record)
    session = SessionMessage()
    session.timestamp = ms + round(elapsed_s * 1000)
    session.start_time = ms
    session.sport = sport
    session.total_distance = km * 1000
    session.total_timer_time = timer_s
    session.total_elapsed_time = elapsed_s
    builder.add(session)
    return bytes(builder.build().to_bytes())
