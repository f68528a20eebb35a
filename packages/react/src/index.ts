/**
 * `@quire/react`: a live, collaborative Quire editor for React apps (`<QuireEditor>`), and its
 * toolbar (`QuireToolbar`) for hosts that lay out their own.
 */
export type { EmbedError, EmbedPerson, EmbedTheme } from '../../../embed/protocol';
export { QuireEditor, type QuireEditorProps } from './QuireEditor';
export { QuireToolbar } from './QuireToolbar';
export type { EditorEventHandlers } from './useEditorEvents';
