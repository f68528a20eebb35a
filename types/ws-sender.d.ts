import 'ws';

declare module 'ws' {
  /** `ws`'s frame encoder: exported by `ws` (documented `@public` in its source), missing from `@types/ws`. */
  export const Sender: {
    /** The frame for `data`: its header, then the data itself (when there is any). */
    frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
  };
}
