// Diagrams are drawn at their natural size. By default Mermaid scales a diagram down to the
// column's width (`useMaxWidth`), and a wide graph's text then shrinks to 4-10 px; instead, a
// diagram wider than the column scrolls sideways (`.md-typeset .mermaid` in extra.css).
// Material calls `mermaid.initialize` itself, with its theme, before drawing the first
// diagram: this wraps that call and adds the setting to each kind of diagram.
(() => {
  const KINDS = ["flowchart", "sequence", "class", "state", "er", "gantt", "journey",
                 "pie", "mindmap", "timeline", "gitGraph"];
  const initialize = mermaid.initialize.bind(mermaid);
  mermaid.initialize = (config = {}) => {
    const natural = { ...config };
    for (const kind of KINDS) natural[kind] = { ...config[kind], useMaxWidth: false };
    return initialize(natural);
  };
})();
