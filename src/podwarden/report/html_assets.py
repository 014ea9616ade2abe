"""The HTML report's style sheet and script, inline in every page (no external assets).

The script reads the page's data (one JSON document in a ``<script
type="application/json">``) and renders one page of rows at a time with DOM calls and
``textContent`` only: no value from a manifest ever passes through an HTML parser.
"""

from __future__ import annotations

CSS = """
:root{--fg:#212121;--muted:#607d8b;--line:#e0e0e0;--bg:#fafafa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#263238;color:#fff;padding:14px 24px}header h1{margin:0;font-size:21px}header .meta{color:#cfd8dc}
nav.toc{display:flex;gap:14px;flex-wrap:wrap;font-size:13px;margin-top:6px}nav.toc a{color:#b3e5fc}
main{padding:4px 24px 24px;max-width:1400px}section{margin:18px 0}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:10px 0}
h3{font-size:15px;margin:8px 0 4px}.meta{color:var(--muted);font-size:12px}.intro p{max-width:1000px;margin:6px 0}
a{color:#1565c0}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:104px}
.card .n{font-size:22px;font-weight:600}.card .l{color:var(--muted);font-size:12px}.card.critical .n{color:#7b1fa2}.card.high .n{color:#c62828}
.card.medium .n{color:#ef6c00}.card.low .n{color:#1565c0}.card.errors .n{color:#c62828}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;align-items:start}
.scroll{max-height:420px;overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;vertical-align:top;padding:4px 7px;border-bottom:1px solid var(--line)}
th{background:#eceff1;position:sticky;top:0;z-index:1;font-weight:600}td.num,th.num{text-align:right;white-space:nowrap}
tr.pick{cursor:pointer}td.rid{white-space:nowrap}td.bars{white-space:nowrap;width:100px}tr.pick:hover td{background:#f5f9ff}
.bar{display:inline-block;height:9px;vertical-align:middle;margin-right:1px}
.bar.critical{background:#7b1fa2}.bar.high{background:#c62828}.bar.medium{background:#ef6c00}.bar.low{background:#1565c0}.bar.info{background:#90a4ae}
.sev{display:inline-block;min-width:62px;text-align:center;border-radius:10px;padding:0 7px;color:#fff;font-size:12px;font-weight:600}
.sev.critical{background:#7b1fa2}.sev.high{background:#c62828}.sev.medium{background:#ef6c00}.sev.low{background:#1565c0}.sev.info{background:#546e7a}
.sev.none{background:#cfd8dc;color:#37474f}
.where,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.where{color:var(--muted);word-break:break-all}
code{background:#eceff1;padding:0 3px;border-radius:3px}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:6px 0}.filters input{min-width:260px;padding:4px 8px}.filters select{padding:3px;max-width:260px}
.pager{display:flex;gap:6px;align-items:center;margin:6px 0}.pager button{padding:2px 10px}
table.objects td.obj{word-break:break-all;min-width:240px}table.objects td.ns{white-space:nowrap}table.objects tr.obj{cursor:pointer}table.objects tr.obj:hover td{background:#f5f9ff}
table.objects tr.open td{background:#e3f2fd}td.tog{width:18px;color:var(--muted)}
tr.detail>td{background:#fbfcfd;padding:6px 10px 10px 30px}table.inner{border:1px solid var(--line)}table.inner td{font-size:13px}table.inner td.where{width:36%}
.also{color:var(--muted);font-size:12px}
.lvl{font-weight:600}.lvl.restricted{color:#2e7d32}.lvl.baseline{color:#ef6c00}.lvl.privileged{color:#c62828}.lvl.unknown{color:#607d8b}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0;padding:10px 14px;display:inline-block}
.chart figcaption{font-weight:600;margin-bottom:6px}.chart svg text{font-size:12px;fill:#37474f}.chart svg text.axis{fill:#607d8b}
details.rule{background:#fff;border:1px solid var(--line);border-radius:6px;padding:4px 12px;margin:4px 0}details.rule h4{margin:8px 0 2px;font-size:13px}
details summary{cursor:pointer}.warn{background:#fff8e1;border:1px solid #ffe082;border-radius:8px;padding:4px 16px}
.bad{color:#c62828}.ok{color:#2e7d32;font-weight:600}footer{color:var(--muted);padding:10px 24px 24px;font-size:12px}
"""

# The data's layout (see html.Page.data): flat integer arrays with fixed strides, strings
# by index into one table.  objects: kind, namespace, name, file, line, worst severity
# (-1: none), first finding, findings, first blast line, blast lines.  findings: rule,
# severity, message, path, line, extra (-1 or an index into extras: [also rule indexes,
# secret fingerprint or -1, pods or -1]).  blast: severity, kind, summary.
SCRIPT = r"""
(function(){
'use strict';
var node=document.getElementById('podwarden-data');
if(!node){return;}
var D=JSON.parse(node.textContent), S=D.strings, R=D.rules, O=D.objects, F=D.findings, B=D.blast, X=D.extras;
var SEV=['info','low','medium','high','critical'], OS=10, FS=6, BS=3, N=O.length/OS;
function el(tag,cls,text){var e=document.createElement(tag); if(cls){e.className=cls;}
  if(text!==undefined&&text!==null){e.textContent=String(text);} return e;}
function td(row,cls,text){var c=el('td',cls,text); row.appendChild(c); return c;}
function badge(s){return s<0?el('span','sev none','none'):el('span','sev '+SEV[s],SEV[s]);}
function fmt(n){return n.toLocaleString('en-US');}
function ruleLink(r){var a=el('a',null,R[r][0]); a.href='#rule-'+R[r][5]; return a;}
function label(i){var b=i*OS; return S[O[b]]+'/'+S[O[b+2]];}
function nsOf(i){return S[O[i*OS+1]];}
function score(i){var b=i*OS, worst={}, lost=0;
  for(var k=0;k<O[b+7];k++){var f=(O[b+6]+k)*FS; if(!(F[f] in worst)||F[f+1]>worst[F[f]]){worst[F[f]]=F[f+1];}}
  for(var r in worst){lost+=D.weights[worst[r]];} return Math.max(0,100-lost);}
function blastSev(i){var b=i*OS, s=-1; for(var k=0;k<O[b+9];k++){s=Math.max(s,B[(O[b+8]+k)*BS]);} return s;}
var hay=null;
function haystack(i){
  if(!hay){hay=new Array(N);}
  if(hay[i]===undefined){var b=i*OS, parts=[S[O[b]],S[O[b+1]],S[O[b+2]],S[O[b+3]]];
    for(var k=0;k<O[b+7];k++){var f=(O[b+6]+k)*FS; parts.push(R[F[f]][0],S[F[f+2]],S[F[f+3]]);}
    hay[i]=parts.join('\n').toLowerCase();}
  return hay[i];
}
function hasRule(i,rule,family){
  var b=i*OS;
  for(var k=0;k<O[b+7];k++){var r=F[(O[b+6]+k)*FS];
    if((rule<0||r===rule)&&(!family||R[r][2]===family)){return true;}}
  return false;
}
function findingsTable(i){
  var b=i*OS, t=el('table','inner'), h=t.createTHead().insertRow();
  ['severity','rule','problem','field'].forEach(function(x){h.appendChild(el('th',null,x));});
  var body=t.createTBody();
  for(var k=0;k<O[b+7];k++){
    var f=(O[b+6]+k)*FS, row=body.insertRow(), x=F[f+5]>=0?X[F[f+5]]:null;
    td(row).appendChild(badge(F[f+1]));
    var rc=td(row); rc.appendChild(ruleLink(F[f]));
    if(x&&x[0].length){rc.appendChild(el('div','also','also: '+x[0].map(function(r){return R[r][0];}).join(', ')));}
    var mc=td(row,null,S[F[f+2]]);
    if(x&&x[1]>=0){mc.appendChild(el('div','meta','fingerprint '+S[x[1]]));}
    if(x&&x[2]>=0){mc.appendChild(el('div','meta','running pods: '+x[2]));}
    td(row,'where',S[F[f+3]]+(F[f+4]>0?' (line '+F[f+4]+')':''));
  }
  return t;
}
function blastTable(i){
  var b=i*OS, t=el('table','inner blast'), h=t.createTHead().insertRow();
  ['reach','severity','what'].forEach(function(x){h.appendChild(el('th',null,x));});
  var body=t.createTBody();
  for(var k=0;k<O[b+9];k++){var l=(O[b+8]+k)*BS, row=body.insertRow();
    td(row,null,S[B[l+1]]); td(row).appendChild(badge(B[l])); td(row,null,S[B[l+2]]);}
  return t;
}
function View(root,opt){
  var self=this; this.root=root; this.opt=opt; this.page=0;
  this.q=root.querySelector('.q'); this.sev=root.querySelector('.f-sev'); this.rule=root.querySelector('.f-rule');
  this.fam=root.querySelector('.f-family'); this.ns=root.querySelector('.f-ns'); this.sort=root.querySelector('.f-sort');
  this.size=root.querySelector('.f-size'); this.body=root.querySelector('tbody'); this.shown=root.querySelectorAll('.shown');
  this.cols=root.querySelector('thead tr').cells.length;
  var timer=null;
  [this.sev,this.rule,this.fam,this.ns,this.sort,this.size].forEach(function(s){
    if(s){s.addEventListener('change',function(){self.page=0; self.update();});}});
  if(this.q){this.q.addEventListener('input',function(){clearTimeout(timer);
    timer=setTimeout(function(){self.page=0; self.update();},150);});}
  root.querySelectorAll('.pager button').forEach(function(btn){btn.addEventListener('click',function(){
    var last=Math.max(0,Math.ceil(self.rows.length/self.per())-1), to={first:0,prev:self.page-1,next:self.page+1,last:last}[btn.dataset.go];
    self.page=Math.min(last,Math.max(0,to)); self.draw();
    if(btn.parentNode!==root.querySelector('.pager')){root.scrollIntoView();}});});
  this.update();
}
View.prototype.per=function(){return this.size?parseInt(this.size.value,10):50;};
View.prototype.update=function(){
  var q=this.q?this.q.value.trim().toLowerCase():'', min=this.sev?parseInt(this.sev.value,10):-1,
      rule=this.rule&&this.rule.value!==''?parseInt(this.rule.value,10):-1, fam=this.fam?this.fam.value:'',
      ns=this.ns&&this.ns.value!==''?parseInt(this.ns.value,10):-1, rows=[];
  for(var i=0;i<N;i++){var b=i*OS;
    if(this.opt.only&&!this.opt.only(i)){continue;}
    if(min>=0&&O[b+5]<min){continue;}
    if(ns>=0&&O[b+1]!==ns){continue;}
    if((rule>=0||fam)&&!hasRule(i,rule,fam)){continue;}
    if(q&&haystack(i).indexOf(q)<0){continue;}
    rows.push(i);}
  var by=this.sort?this.sort.value:this.opt.sort;
  if(by==='findings'){rows.sort(function(a,b){return O[b*OS+7]-O[a*OS+7]||a-b;});}
  else if(by==='blast'){var bs={}; rows.forEach(function(i){bs[i]=blastSev(i);});
    rows.sort(function(a,b){return bs[b]-bs[a]||O[b*OS+9]-O[a*OS+9]||a-b;});}
  else if(by==='name'){rows.sort(function(a,b){return label(a).localeCompare(label(b))||a-b;});}
  this.rows=rows; this.draw();
};
View.prototype.draw=function(){
  var per=this.per(), start=this.page*per, end=Math.min(this.rows.length,start+per), body=this.body, self=this;
  while(body.firstChild){body.removeChild(body.firstChild);}
  for(var n=start;n<end;n++){(function(i){
    var b=i*OS, row=body.insertRow(); row.className='obj'; row.dataset.object=i;
    td(row,'tog','\u25b8');
    if(self.opt.blastFirst){td(row).appendChild(badge(blastSev(i)));}
    else{td(row).appendChild(badge(O[b+5]));}
    var oc=td(row,'obj'); oc.appendChild(el('b',null,label(i)));
    td(row,'ns',nsOf(i));
    var counts=[0,0,0,0,0]; for(var k=0;k<O[b+7];k++){counts[F[(O[b+6]+k)*FS+1]]++;}
    var cc=td(row,'num'); cc.appendChild(el('b',null,O[b+7]));
    var parts=[]; for(var s=4;s>=0;s--){if(counts[s]){parts.push(counts[s]+' '+SEV[s]);}}
    if(O[b+7]){parts.push('score '+score(i));}
    if(parts.length){cc.appendChild(el('div','meta',parts.join(' \u00b7 ')));}
    if(D.hasBlast){
      if(self.opt.blastFirst){td(row).appendChild(badge(O[b+5]));}
      else{td(row).appendChild(badge(O[b+9]?blastSev(i):-1));}}
    td(row,'where',S[O[b+3]]+(O[b+4]>0?':'+O[b+4]:''));
    row.addEventListener('click',function(){
      var next=row.nextSibling;
      if(next&&next.className==='detail'){body.removeChild(next); row.classList.remove('open'); row.cells[0].textContent='\u25b8'; return;}
      var d=body.insertRow(row.sectionRowIndex+1); d.className='detail'; var c=td(d); c.colSpan=self.cols;
      if(O[b+7]){c.appendChild(findingsTable(i));}else{c.appendChild(el('p','meta','no findings'));}
      if(O[b+9]){c.appendChild(el('h3',null,'Blast radius')); c.appendChild(blastTable(i));}
      row.classList.add('open'); row.cells[0].textContent='\u25be';
    });
  })(this.rows[n]);}
  var text=this.rows.length?('objects '+fmt(start+1)+'\u2013'+fmt(end)+' of '+fmt(this.rows.length)
    +' \u00b7 page '+fmt(this.page+1)+' of '+fmt(Math.ceil(this.rows.length/per))):'no object matches';
  this.shown.forEach(function(s){s.textContent=text;});
};
var views={};
var objects=document.getElementById('objects-view');
if(objects){views.objects=new View(objects,{sort:'worst'});}
var blast=document.getElementById('blast-view');
if(blast){views.blast=new View(blast,{sort:'blast',blastFirst:true,only:function(i){return O[i*OS+9]>0;}});}
function pick(what,value){
  var v=views.objects; if(!v){return;}
  [v.rule,v.ns,v.fam].forEach(function(s){if(s){s.value='';}}); if(v.q){v.q.value='';} if(v.sev){v.sev.value='-1';}
  if(what==='sev'){v.sev.value=value;}else if(what==='rule'){v.rule.value=value;}else if(what==='ns'){v.ns.value=value;}
  v.page=0; v.update(); objects.scrollIntoView();
}
document.querySelectorAll('tr.pick').forEach(function(tr){tr.addEventListener('click',function(ev){
  if(ev.target.tagName==='A'){return;} pick(tr.dataset.pick,tr.dataset.value);});});
function openRule(){var id=decodeURIComponent(location.hash.slice(1)); if(id.indexOf('rule-')!==0){return;}
  var d=document.getElementById(id); if(d&&d.tagName==='DETAILS'){d.open=true; d.scrollIntoView();}}
window.addEventListener('hashchange',openRule); openRule();
document.body.setAttribute('data-ready',String(Math.round(performance.now())));
})();
"""
