/** Shared fixtures of the credential store tests. */

/** Values that need every quoting rule. */
export const TRICKY_VALUES: Record<string, string> = {
  PLAIN: 'sk-ant-api03-AbC_123.xyz/+=:@%,~^',
  EMPTY: '',
  SPACES: 'two  inner spaces',
  EDGES: '  leading and trailing  ',
  HASH: 'a#b #c',
  DOLLAR: '$HOME ${PATH} $(id) `id`',
  BACKSLASH: 'C:\\path\\n\\t\\\\ end\\',
  DQUOTE: 'say "hi"',
  SQUOTE: "it's",
  SQUOTE_DOLLAR: "it's $5 and `x` and #",
  EQUALS: 'a=b==',
  TAB: 'a\tb',
  UNICODE: 'päßwörd-ключ-🔑',
  SEMI: ';starts with semicolon',
  HASHSTART: '#starts with hash',
  QUOTESTART: '"starts with quote',
};
