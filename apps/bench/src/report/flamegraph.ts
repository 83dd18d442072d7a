// A flame graph (icicle layout, root on top) as SVG, from a V8 .cpuprofile.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const WIDTH = 1200;
const ROW = 16;
const MAX_DEPTH = 48;

/** Renders the profile; frames narrower than a pixel are left out, idle time is dropped. */
export function flameGraph(title: string, profile: CpuProfile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = new Map<number, number>();
  const sum = (node: ProfileNode): number => {
    const value =
      (self.get(node.id) ?? 0) + (node.children ?? []).reduce((t, c) => t + sum(byId.get(c)!), 0);
    total.set(node.id, value);
    return value;
  };
  const root = profile.nodes[0];
  sum(root);
  const busy = (root.children ?? [])
    .map((c) => byId.get(c)!)
    .filter((n) => n.callFrame.functionName !== '(idle)');
  const busyTotal = busy.reduce((t, n) => t + (total.get(n.id) ?? 0), 0) || 1;
  const rects: string[] = [];
  let maxDepth = 0;
  const draw = (node: ProfileNode, x: number, depth: number) => {
    const width = ((total.get(node.id) ?? 0) / busyTotal) * WIDTH;
    if (width < 1 || depth > MAX_DEPTH) return;
    maxDepth = Math.max(maxDepth, depth);
    const name = label(node);
    const hue = node.callFrame.url.includes('/dist/')
      ? 120
      : node.callFrame.url.includes('node_modules')
        ? 30
        : 210;
    rects.push(
      `<g><title>${esc(name)} (${((100 * (total.get(node.id) ?? 0)) / busyTotal).toFixed(1)}%)</title>` +
        `<rect x="${x.toFixed(1)}" y="${30 + depth * ROW}" width="${width.toFixed(1)}" height="${ROW - 1}" fill="hsl(${hue},60%,${55 + (depth % 4) * 5}%)"/>` +
        (width > 50
          ? `<text x="${(x + 3).toFixed(1)}" y="${30 + depth * ROW + 12}">${esc(name.slice(0, Math.floor(width / 7)))}</text>`
          : '') +
        '</g>',
    );
    let offset = x;
    for (const child of node.children ?? []) {
      const c = byId.get(child)!;
      draw(c, offset, depth + 1);
      offset += ((total.get(c.id) ?? 0) / busyTotal) * WIDTH;
    }
  };
  let x = 0;
  for (const node of busy) {
    draw(node, x, 0);
    x += ((total.get(node.id) ?? 0) / busyTotal) * WIDTH;
  }
  const height = 40 + (maxDepth + 1) * ROW;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="18" font-size="14" font-family="system-ui, sans-serif">${esc(title)} (idle time removed; green: authfarm, orange: dependencies, blue: node)</text>
${rects.join('\n')}
</svg>
`;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
