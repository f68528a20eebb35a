'use client';

import { Eye } from 'lucide-react';
import { distinctLabels, personTag } from '../../../shared/personLabel';
import { canWrite, type Role } from '../../../shared/token';
import type { Participant } from './usePresence';

interface PresenceAvatarsProps {
  participants: Participant[];
  /** How many avatars to show before "+N". */
  max?: number;
  /** Opens the name dialog when this user's own avatar is chosen. */
  onSelfClick?: () => void;
}

/** What a role lets someone do, as avatars say it ("can view", "can edit"); null for an unknown role. */
export function accessOf(role: Role | null): string | null {
  if (!role) return null;
  return canWrite(role) ? 'can edit' : role === 'viewer' ? 'can view' : null;
}

/**
 * The stack of people in the document, each in their caret color with their initials. People who
 * chose the same name are told apart by the tag of their id (`Sam #k3f9`), and every tooltip shows it.
 * What each may do is in their tooltip and accessible name; viewers carry an eye badge.
 */
export function PresenceAvatars({ participants, max = 4, onSelfClick }: PresenceAvatarsProps) {
  const labels = distinctLabels(participants);
  const labelOf = (participant: Participant) => (participant.self ? `${participant.name} (you)` : (labels.get(participant.id) ?? participant.name));
  const withAccess = (text: string, participant: Participant, separator: string) => {
    const access = accessOf(participant.role);
    return access ? `${text}${separator}${access}` : text;
  };
  const titleOf = (participant: Participant) =>
    withAccess(`${participant.name}${participant.self ? ' (you)' : ''} · ${personTag(participant.id)}`, participant, ' · ');
  const badge = (participant: Participant) =>
    participant.role === 'viewer' && (
      <span className="avatar-badge" aria-hidden>
        <Eye size={10} strokeWidth={3} />
      </span>
    );
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
              aria-label={withAccess(`You: ${participant.name}. Change your name`, participant, '. You ')}
              onClick={onSelfClick}
            >
              {initialsOf(participant.name)}
              {badge(participant)}
            </button>
          ) : (
            <span
              className="avatar"
              style={{ background: participant.color }}
              title={titleOf(participant)}
              role="img"
              aria-label={withAccess(labelOf(participant), participant, ', ')}
            >
              {initialsOf(participant.name)}
              {badge(participant)}
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
