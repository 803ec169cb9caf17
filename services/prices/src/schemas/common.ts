import { Type } from '@sinclair/typebox';

/** A symbol as the feeds and files name it: 1 to 32 letters, digits and . - / : _, starting with a letter or digit. */
export const symbolPattern = '^[A-Za-z0-9][A-Za-z0-9.\\-/:_]{0,31}$';

export const SymbolParams = Type.Object({ symbol: Type.String({ pattern: symbolPattern }) });
