'use client';

import { distinctLabels, personTag } from '../../../shared/personLabel';
import type { Participant } from './usePresence';

interface PresenceAvatarsProps {
  participants: Participant[];
  /** How many avatars to show before "+N". */
  max?: number;
  /** Opens the name dialog when this user's own avatar is chosen. */
  onSelfClick?: () => void;
}

/**
 * The stack of people in the document, each in their caret color with their initials. People who
 * chose the same name are told apart by the tag of their id (`Sam #k3f9`), and every tooltip shows it.
 */
export function PresenceAvatars({ participants, max = 4, onSelfClick }: PresenceAvatarsProps) {
  const labels = distinctLabels(participants);
  const labelOf = (participant: Participant) => (participant.self ? `${participant.name} (you)` : (labels.get(participant.id) ?? participant.name));
  const titleOf = (participant: Participant) => `${participant.name}${participant.self ? ' (you)' : ''} · ${personTag(participant.id)}`;
  const shown = participants.slice(0, max);
  const hidden = participants.slice(max);
  const summary = participants.length === 1 ? 'Only you are here' : `${participants.length} people here: ${participants.map(labelOf).join(', ')}`;
  return (
    <ul className="avatars" aria-label={summary}>
      {shown.map((participant) => (
        <li key={participant.id} className="avatar-item">
          {participant.self && onSelfClick ? (
            <button
              type="button"
              className="avatar"
              style={{ background: participant.color }}
              title={`${titleOf(participant)} — change your name`}
              aria-label={`You: ${participant.name}. Change your name`}
              onClick={onSelfClick}
            >
              {initialsOf(participant.name)}
            </button>
          ) : (
            <span className="avatar" style={{ background: participant.color }} title={titleOf(participant)} role="img" aria-label={labelOf(participant)}>
              {initialsOf(participant.name)}
            </span>
          )}
        </li>
      ))}
      {hidden.length > 0 && (
        <li className="avatar-item">
          <span
            className="avatar avatar-more"
            title={hidden.map(labelOf).join(', ')}
            role="img"
            aria-label={`${hidden.length} more: ${hidden.map(labelOf).join(', ')}`}
          >
            +{hidden.length}
          </span>
        </li>
      )}
    </ul>
  );
}

/** Up to two initials: "Ada Lovelace" → "AL", "otter" → "O". */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((word) => Array.from(word)[0]?.toUpperCase() ?? '').join('') || '?';
}
