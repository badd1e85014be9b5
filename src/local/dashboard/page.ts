/** The dashboard's one page: markup and styles; its script is /dashboard.js (src/dashboard). */

const STYLE = `
:root{--fg:#1d232b;--muted:#58626e;--line:#c9d1da;--bg:#f6f8fa;--card:#fff;--ok:#17663a;--bad:#a4161a;--accent:#0b5cad}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1rem;align-items:baseline;padding:.6rem 1.2rem;background:#1d232b;color:#fff}
header h1{font-size:1.15rem;margin:0}header span{color:#c8d0d8;font-size:.9rem}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1rem;padding:1rem 1.2rem;max-width:1600px;margin:0 auto}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.7rem 1rem;min-width:0}
section.wide{grid-column:1/-1}h2{font-size:1.05rem;margin:.1rem 0 .6rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #e4e8ec;vertical-align:top}
th{color:var(--muted);font-weight:600}td.mono,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.82rem;word-break:break-all}
button,select,input,textarea{font:inherit}button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.3rem .8rem;cursor:pointer}
button.secondary{background:#e7ecf1;color:var(--fg)}button:disabled{opacity:.5;cursor:default}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
input,select,textarea{border:1px solid var(--line);border-radius:4px;padding:.25rem .4rem;background:#fff}
textarea{width:100%;min-height:7rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
label{font-weight:600;margin-right:.3rem}.row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
.pipeline{display:flex;align-items:stretch;gap:.3rem;flex-wrap:wrap}.stage{border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem;min-width:8.5rem;background:#fbfcfd}
.stage b{display:block;font-size:.85rem}.stage .fig{font-size:1.25rem;font-variant-numeric:tabular-nums}.stage small{color:var(--muted);display:block}
.stage.dlq{border-color:#e3a7a9;background:#fff6f6}.arrow{align-self:center;color:var(--muted);font-size:1.3rem}
.rates{display:flex;gap:1.4rem;margin-top:.6rem;flex-wrap:wrap}.rates div{font-variant-numeric:tabular-nums}.rates b{font-size:1.3rem;display:block}
.ok{color:var(--ok)}.bad{color:var(--bad)}.muted{color:var(--muted)}ul.reasons{margin:.3rem 0;padding-left:1.2rem;color:var(--bad)}
ol.timeline{padding-left:1.2rem;margin:.4rem 0}
`;

/** The page (no external resources: styles inline, script from this server). */
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>User directory pipeline</title><style>${STYLE}</style></head>
<body><header><h1>User directory pipeline</h1><span id="stage"></span><span id="updated" aria-live="off"></span></header>
<main>
<section class="wide" aria-labelledby="h-pipeline"><h2 id="h-pipeline">Pipeline</h2>
<div class="pipeline" id="pipeline"></div><div class="rates" id="rates"></div></section>
<section aria-labelledby="h-send"><h2 id="h-send">Send a command</h2>
<div class="row"><label for="file">Event file</label><select id="file"></select><button id="load" class="secondary" type="button">Load file</button></div>
<label for="body">Command JSON</label><textarea id="body" spellcheck="false"></textarea>
<div class="row"><button id="validate" type="button">Validate</button><button id="send" type="button">Send</button></div>
<div id="send-result" role="status" aria-live="polite"></div></section>
<section aria-labelledby="h-follow"><h2 id="h-follow">Follow a command</h2>
<div class="row"><label for="follow-id">Command id</label><input id="follow-id" size="38" class="mono"><button id="follow" type="button">Follow</button></div>
<div id="follow-result" role="status" aria-live="polite"></div></section>
<section aria-labelledby="h-users"><h2 id="h-users">Users</h2>
<div class="row"><label for="user-search">Search</label><input id="user-search" type="search" placeholder="email or name"></div>
<table><thead><tr><th>Email</th><th>Name</th><th>Groups</th></tr></thead><tbody id="users"></tbody></table>
<div class="row"><button id="users-more" class="secondary" type="button" hidden>Load more users</button></div></section>
<section aria-labelledby="h-groups"><h2 id="h-groups">Groups</h2>
<div class="row"><label for="group-search">Search</label><input id="group-search" type="search" placeholder="name"></div>
<table><thead><tr><th>Name</th><th>Members</th><th></th></tr></thead><tbody id="groups"></tbody></table>
<div class="row"><button id="groups-more" class="secondary" type="button" hidden>Load more groups</button></div>
<div id="members-panel" hidden><h3 id="members-title"></h3>
<table><thead><tr><th>Email</th><th>Name</th></tr></thead><tbody id="members"></tbody></table>
<div class="row"><button id="members-more" class="secondary" type="button" hidden>Next members</button></div></div></section>
<section class="wide" aria-labelledby="h-rejections"><h2 id="h-rejections">Rejections (newest first)</h2>
<table><thead><tr><th>At</th><th>Event type</th><th>Stage</th><th>Reasons</th><th>Command id</th></tr></thead><tbody id="rejections"></tbody></table>
<div class="row"><button id="rejections-more" class="secondary" type="button" hidden>Load more rejections</button></div></section>
<section class="wide" aria-labelledby="h-dlq"><h2 id="h-dlq">Dead-letter queues</h2><div id="dlqs"></div></section>
</main><script src="/dashboard.js"></script></body></html>`;
