"""The files of replies kept against redelivery (`reply_files`).

A message's replies are kept as text in `handled_messages`; the files they carried (a
/chart's picture, an /export's CSV and JSON) are kept here, written in the same
transaction, so a redelivered /chart or /export gets its files as well as its text. They
are kept `KEEP` (48 hours: a redelivery comes within seconds or minutes, and the files
show a person's data), pruned by bot/ops/retention.py, and go with their record, which
/deleteme deletes or blanks (bot/storage/ownership.py). A file over `MAX_FILE_BYTES` is
not kept: a redelivery then gets the text alone, and the person can ask again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.interface import Attachment, Incoming, Reply, reply_from_dict
from bot.storage.models import HandledMessage, ReplyFile

KEEP = timedelta(hours=48)
MAX_FILE_BYTES = 8 * 1024 * 1024  # well above a chart or a year's export; Discord's upload cap
FILES = "files"  # the key of a kept reply's dict that counts its kept files


def keepable(replies: Sequence[Reply]) -> list[tuple[int, Attachment]]:
    """The files worth keeping, with the position of the reply each belongs to."""
    return [
        (position, attachment)
        for position, reply in enumerate(replies)
        for attachment in reply.attachments
        if len(attachment.data) <= MAX_FILE_BYTES
    ]


def keep(
    connection: Connection, handled_id: int, files: list[tuple[int, Attachment]], now: datetime
) -> None:
    connection.execute(
        insert(ReplyFile),
        [
            {
                "handled_id": handled_id,
                "position": position,
                "filename": attachment.filename,
                "is_image": attachment.is_image,
                "data": attachment.data,
                "created_at": now,
            }
            for position, attachment in files
        ],
    )


def replay(
    connection: Connection, incoming: Incoming, kept: Sequence[Mapping[str, Any]], now: datetime
) -> list[Reply]:
    """The kept replies of a redelivered message, with their files while they are kept."""
    replies = [reply_from_dict(r) for r in kept]
    if not any(r.get(FILES) for r in kept):
        return replies
    rows = connection.execute(
        select(ReplyFile.position, ReplyFile.filename, ReplyFile.data, ReplyFile.is_image)
        .join(HandledMessage, HandledMessage.id == ReplyFile.handled_id)
        .where(
            HandledMessage.platform == incoming.platform,
            HandledMessage.chat_id == incoming.chat_id,
            HandledMessage.message_id == incoming.message_id,
            ReplyFile.created_at > now - KEEP,
        )
        .order_by(ReplyFile.id)
    ).all()
    found: dict[int, list[Attachment]] = {}
    for position, filename, data, is_image in rows:
        found.setdefault(position, []).append(Attachment(filename, bytes(data), is_image))
    return [
        replace(reply, attachments=tuple(found.get(position, ())))
        for position, reply in enumerate(replies)
    ]
