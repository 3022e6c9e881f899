"""A year of agent presence through COPY."""

from __future__ import annotations

from bench.generation.config import DAYS
from bench.generation.copytext import Writer, ts


def presence(writer: Writer, people: dict, now_s: int) -> int:
    """A year of presence: each agent's shift days split into available / break / lunch."""
    rows = 0
    pk = 0
    for agent_pk, _user, team, username in people["agents"]:
        if team is None:
            continue
        lines = []
        start_h = [6, 9, 14][agent_pk % 3]
        off = {agent_pk % 7, (agent_pk + 1) % 7}
        day0 = (now_s // 86400) - DAYS
        for d in range(day0, now_s // 86400):
            if (d + 3) % 7 in off:  # 1970-01-01 was a Thursday: (d + 3) % 7 is Monday=0
                continue
            s = d * 86400 + start_h * 3600
            parts = [("available", 7200), ("break", 900), ("available", 6300), ("lunch", 1800),
                     ("available", 7200), ("break", 900), ("available", 4500)]  # fmt: skip
            for status, length in parts:
                if s + length > now_s:
                    break
                pk += 1
                lines.append(f"{pk}\t{agent_pk}\t{status}\t{ts(s)}\t{ts(s + length)}")
                s += length
        pk += 1
        state = (
            "available" if username == "associate" or username.startswith("claimer.") else "offline"
        )
        lines.append(f"{pk}\t{agent_pk}\t{state}\t{ts(now_s - 1800)}\t\\N")
        rows += len(lines)
        writer.put("teams_presencelog", "id, agent_id, status, started_at, ended_at", lines)
    return rows
