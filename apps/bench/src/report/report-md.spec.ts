import { describe, expect, it } from '@jest/globals';
import { withReadmeBlock } from './report-md.js';

describe('withReadmeBlock', () => {
  const readme = '# title\n\n<!-- bench:latest -->\nold figures\n<!-- /bench:latest -->\n\nrest\n';

  it('replaces the figures between the markers and keeps the rest of the README', () => {
    expect(withReadmeBlock(readme, 'new figures')).toBe(
      '# title\n\n<!-- bench:latest -->\nnew figures\n<!-- /bench:latest -->\n\nrest\n',
    );
  });

  it('refuses a README without the markers rather than losing its content', () => {
    expect(() => withReadmeBlock('# title\n', 'new figures')).toThrow(/markers/);
  });
});
