// The tape player: plays the Wengert list that tinygrad_lite.viz.tape_player wrote into a
// <div data-tape-player="{json}">: forward, record by record, each value appearing; then
// backward, in reverse order, each record's rule adding its contributions to its inputs'
// adjoints, with the chain-rule product written out. Labels follow the page's language.
(function () {
  "use strict";

  const LABELS = {
    en: {
      tape: "Tape player",
      record: "record",
      inputWord: "input",
      value: "value",
      adjoint: "adjoint",
      reset: "Reset",
      prev: "Previous",
      next: "Next",
      play: "Play",
      pause: "Pause",
      step: (k, n) => `Step ${k} of ${n}`,
      start: (n) => `The tape has ${n} records. Press Next (or the right arrow key) to run ` +
        "the forward pass.",
      input: (i, name, value) => `Forward pass, record ${i}: input ${name} = ${value}`,
      forward: (i, text, value) => `Forward pass, record ${i}: ${text} = ${value}`,
      seed: (name, adj) => `Backward pass: it starts at the output, ` +
        `adjoint of ${name} = ∂${name}/∂${name} = ${adj}`,
      backward: (i, name, adj) => `Backward pass, record ${i}: its rule passes on ` +
        `adjoint of ${name} = ${adj}`,
      term: (to, from, adj, partial, add) => partial === null
        ? `adjoint of ${to} += adjoint of ${from} · ∂${from}/∂${to} = ${add}`
        : `adjoint of ${to} += adjoint of ${from} × ∂${from}/∂${to} = ${adj} × ${partial} = ${add}`,
      fanout: (to, before, add, after) => `${to} is used more than once: its contributions ` +
        `add up, ${before} + ${add} = ${after}`,
      noterms: "No input of this record requires grad: nothing to pass on.",
      done: (grads) => grads ? `Done. The inputs' adjoints are their gradients: ${grads}`
        : "Done.",
    },
    ko: {
      tape: "테이프 재생기",
      record: "기록",
      inputWord: "입력",
      value: "값",
      adjoint: "adjoint",
      reset: "처음으로",
      prev: "이전",
      next: "다음",
      play: "재생",
      pause: "일시 정지",
      step: (k, n) => `전체 ${n}단계 중 ${k}단계`,
      start: (n) => `테이프의 기록은 모두 ${n}개입니다. 다음 버튼(또는 오른쪽 화살표 키)을 ` +
        "누르면 순전파 단계가 시작됩니다.",
      input: (i, name, value) => `순전파 단계, 기록 ${i}: 입력 ${name} = ${value}`,
      forward: (i, text, value) => `순전파 단계, 기록 ${i}: ${text} = ${value}`,
      seed: (name, adj) => `역전파 단계는 출력에서 시작합니다: ` +
        `${name}의 adjoint = ∂${name}/∂${name} = ${adj}`,
      backward: (i, name, adj) => `역전파 단계, 기록 ${i}: 이 기록의 규칙이 입력에 ` +
        `adjoint를 전달합니다 (${name}의 adjoint = ${adj})`,
      term: (to, from, adj, partial, add) => partial === null
        ? `${to}의 adjoint += ${from}의 adjoint · ∂${from}/∂${to} = ${add}`
        : `${to}의 adjoint += ${from}의 adjoint × ∂${from}/∂${to} = ${adj} × ${partial} = ${add}`,
      fanout: (to, before, add, after) => `${to}의 adjoint에는 먼저 전달된 값이 있으므로 ` +
        `더합니다(여러 번 쓰인 값): ${before} + ${add} = ${after}`,
      noterms: "이 기록의 입력 중 변화도가 필요한 것이 없어 전달할 것이 없습니다.",
      done: (grads) => grads ? `끝. 입력의 adjoint가 곧 변화도입니다: ${grads}` : "끝.",
    },
  };

  const PLAY_MS = 1400;

  function labelsFor(root) {
    const holder = root.closest("[lang]");
    const lang = (holder ? holder.getAttribute("lang") : "en").toLowerCase().split("-")[0];
    return LABELS[lang] || LABELS.en;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A negative number in a sum is written in parentheses: 3 + (-4).
  function term(s) {
    return s.startsWith("-") ? `(${s})` : s;
  }

  function formula(r, L) {
    return r.op === null ? `${r.name} (${L.inputWord})` : `${r.name} = ${r.op}(${r.args.join(", ")})`;
  }

  // The state after the first k steps: values shown, adjoints so far, the step's text.
  function stateAt(data, L, k) {
    const { records, steps } = data;
    const shown = records.map(() => false);
    const adjoint = records.map(() => null);
    let current = null;
    let receiving = [];
    let lines = [L.start(records.length)];
    for (const step of steps.slice(0, k)) {
      const r = records[step.record];
      current = step.record;
      receiving = [];
      if (step.phase === "forward") {
        shown[r.index] = true;
        lines = [r.op === null ? L.input(r.index, r.name, r.value)
          : L.forward(r.index, formula(r, L), r.value)];
      } else if (step.phase === "seed") {
        adjoint[r.index] = r.adjoint;
        lines = [L.seed(r.name, r.adjoint)];
      } else {
        adjoint[r.index] = r.adjoint;
        lines = [L.backward(r.index, r.name, r.adjoint)];
        for (const t of step.terms) {
          const to = records[t.to];
          adjoint[t.to] = t.after;
          receiving.push(t.to);
          lines.push(L.term(to.name, r.name, r.adjoint, t.partial, t.add));
          if (t.before !== null) lines.push(L.fanout(to.name, t.before, term(t.add), t.after));
        }
        if (!step.terms.length) lines.push(L.noterms);
      }
    }
    if (k === steps.length && k > 0) {
      const grads = records.filter((r) => r.op === null && r.grad && adjoint[r.index] !== null)
        .map((r) => `${r.name}.grad = ${adjoint[r.index]}`).join(", ");
      lines.push(L.done(grads));
    }
    return { shown, adjoint, current, receiving, lines };
  }

  function build(root) {
    let data;
    try {
      data = JSON.parse(root.getAttribute("data-tape-player"));
    } catch (e) {
      return;
    }
    const L = labelsFor(root);
    root.textContent = "";
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", L.tape);
    root.tabIndex = 0;

    const table = el("table", "tl-player__table");
    const head = table.createTHead().insertRow();
    for (const h of ["#", L.record, L.value, L.adjoint]) head.appendChild(el("th", "", h));
    const body = table.createTBody();
    const rows = data.records.map((r) => {
      const row = body.insertRow();
      row.dataset.record = String(r.index);
      row.appendChild(el("td", "tl-player__index", String(r.index)));
      const cell = el("td", "tl-player__formula");
      cell.appendChild(el("code", "", formula(r, L)));
      row.appendChild(cell);
      row.appendChild(el("td", "tl-player__value"));
      row.appendChild(el("td", "tl-player__adjoint"));
      return row;
    });
    const scroll = el("div", "tl-player__scroll");
    scroll.appendChild(table);

    const counter = el("p", "tl-player__counter");
    const explain = el("div", "tl-player__explain");
    explain.setAttribute("aria-live", "polite");
    explain.setAttribute("aria-atomic", "true");

    const controls = el("div", "tl-player__controls");
    const button = (action, text) => {
      const b = el("button", "md-button tl-player__button", text);
      b.type = "button";
      b.dataset.action = action;
      controls.appendChild(b);
      return b;
    };
    const reset = button("reset", L.reset);
    const prev = button("prev", L.prev);
    const play = button("play", L.play);
    const next = button("next", L.next);
    play.setAttribute("aria-pressed", "false");

    root.append(scroll, counter, explain, controls);

    const total = data.steps.length;
    let k = 0;
    let timer = null;

    function render() {
      const s = stateAt(data, L, k);
      rows.forEach((row, i) => {
        const r = data.records[i];
        row.cells[2].textContent = s.shown[i] ? r.value : "";
        const adj = s.adjoint[i];
        if (row.cells[3].textContent !== (adj === null ? "" : adj)) {
          row.cells[3].textContent = adj === null ? "" : adj;
          row.cells[3].classList.toggle("tl-player--new", adj !== null);
        } else {
          row.cells[3].classList.remove("tl-player--new");
        }
        row.classList.toggle("tl-player--current", s.current === i);
        row.classList.toggle("tl-player--receiving", s.receiving.includes(i));
        row.classList.toggle("tl-player--pending", !s.shown[i]);
        if (s.current === i) row.setAttribute("aria-current", "step");
        else row.removeAttribute("aria-current");
      });
      counter.textContent = L.step(k, total);
      explain.textContent = "";
      for (const line of s.lines) explain.appendChild(el("p", "", line));
      reset.disabled = prev.disabled = k === 0;
      next.disabled = k === total;
    }

    function stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      play.textContent = L.play;
      play.setAttribute("aria-pressed", "false");
    }

    function go(to) {
      k = Math.max(0, Math.min(total, to));
      render();
    }

    reset.addEventListener("click", () => { stop(); go(0); });
    prev.addEventListener("click", () => { stop(); go(k - 1); });
    next.addEventListener("click", () => { stop(); go(k + 1); });
    play.addEventListener("click", () => {
      if (timer !== null) { stop(); return; }
      if (k === total) go(0);
      play.textContent = L.pause;
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => {
        if (!root.isConnected) { stop(); return; }  // left the page (instant navigation)
        go(k + 1);
        if (k === total) stop();
      }, PLAY_MS);
    });
    root.addEventListener("keydown", (e) => {
      const keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (e.key in keys) {
        stop();
        go(k + keys[e.key]);
      } else if (e.key === "Home") {
        stop();
        go(0);
      } else if (e.key === "End") {
        stop();
        go(total);
      } else {
        return;
      }
      e.preventDefault();
    });
    render();
  }

  function init() {
    for (const root of document.querySelectorAll("[data-tape-player]")) {
      if (!root.dataset.tapePlayerReady) {
        root.dataset.tapePlayerReady = "1";
        build(root);
      }
    }
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(init);  // Material: first load and every instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
