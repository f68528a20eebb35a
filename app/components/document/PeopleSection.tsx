'use client';

import { useEffect, useId, useState } from 'react';
import { errorMessage } from '../../lib/api';
import {
  type AccessRole,
  addMember,
  changeMember,
  fetchAuth,
  fetchMembers,
  findPeople,
  type Member,
  removeMember,
  transferOwnership,
  type WorkspacePerson,
} from '../../lib/workspace';

type GivenRole = Exclude<AccessRole, 'owner'>;
const GIVEN_ROLES: Array<{ role: GivenRole; label: string }> = [
  { role: 'viewer', label: 'Viewer' },
  { role: 'commenter', label: 'Commenter' },
  { role: 'editor', label: 'Editor' },
];

/**
 * The Share dialog's "People" section (workspace mode): who has access to the document and with
 * which role; the owner and editors add people who have signed in, by name or e-mail (with
 * completion), change their role or remove them, and the owner hands ownership over. Shows
 * nothing in link mode, or to someone who opened the document by a link and is not a member.
 */
export function PeopleSection({ name }: { name: string }) {
  const [people, setPeople] = useState<Member[] | null>(null);
  const [yourRole, setYourRole] = useState<AccessRole | null>(null);
  const [you, setYou] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [role, setRole] = useState<GivenRole>('editor');
  const [suggestions, setSuggestions] = useState<WorkspacePerson[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listId = useId();

  useEffect(() => {
    let cancelled = false;
    fetchAuth()
      .then(async (auth) => {
        if (auth.mode !== 'workspace' || !auth.user) return;
        const members = await fetchMembers(name);
        if (cancelled) return;
        setYou(auth.user.id);
        setYourRole(members.yourRole);
        setPeople(members.people);
      })
      // Not a member (opened by a link), or link mode: the section stays empty.
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [name]);

  useEffect(() => {
    const wanted = query.trim();
    if (!people || wanted.length < 2) return setSuggestions([]);
    let cancelled = false;
    const timer = setTimeout(() => {
      findPeople(wanted).then(
        (found) => !cancelled && setSuggestions(found),
        () => undefined,
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query, people]);

  if (!people || !yourRole) return null;
  const manages = yourRole === 'owner' || yourRole === 'editor';

  const act = async (change: () => Promise<Member[]>) => {
    setBusy(true);
    setError(null);
    try {
      setPeople(await change());
      return true;
    } catch (cause) {
      setError(errorMessage(cause));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async () => {
    const typed = query.trim();
    // A name picked from the suggestions stands for that person's e-mail.
    const picked = suggestions.find((person) => person.name === typed || person.email === typed);
    const email = picked?.email ?? typed;
    if (!email) return;
    if (await act(() => addMember(name, email, role))) setQuery('');
  };

  return (
    <section aria-label="People with access" className="people-section">
      <h3>People</h3>
      {manages && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            void add();
          }}
        >
          <input
            aria-label="Add people by name or e-mail"
            placeholder="Name or e-mail"
            list={listId}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            autoComplete="off"
          />
          <datalist id={listId}>
            {suggestions.map((person) => (
              <option key={person.id} value={person.email ?? person.name}>
                {person.name}
              </option>
            ))}
          </datalist>
          <select aria-label="Role for the people added" value={role} onChange={(event) => setRole(event.target.value as GivenRole)}>
            {GIVEN_ROLES.map((entry) => (
              <option key={entry.role} value={entry.role}>
                {entry.label}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={busy || !query.trim()}>
            Add
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
      <ul className="people-list">
        {people.map((person) => {
          const changeable = manages && person.role !== 'owner' && person.id !== you;
          return (
            <li key={person.id} aria-label={person.name}>
              <span>
                {person.name}
                {person.id === you ? ' (you)' : ''}
                {person.email && <span className="muted"> · {person.email}</span>}
              </span>
              {changeable ? (
                <>
                  <select
                    aria-label={`Role of ${person.name}`}
                    value={person.role}
                    disabled={busy}
                    onChange={(event) => void act(() => changeMember(name, person.id, event.target.value as GivenRole))}
                  >
                    {GIVEN_ROLES.map((entry) => (
                      <option key={entry.role} value={entry.role}>
                        {entry.label}
                      </option>
                    ))}
                  </select>
                  <button type="button" aria-label={`Remove ${person.name}`} disabled={busy} onClick={() => void act(() => removeMember(name, person.id))}>
                    Remove
                  </button>
                  {yourRole === 'owner' && (
                    <button type="button" disabled={busy} onClick={() => void act(() => transferOwnership(name, person.id))}>
                      Make owner
                    </button>
                  )}
                </>
              ) : (
                <span className="muted">{person.role.charAt(0).toUpperCase() + person.role.slice(1)}</span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
