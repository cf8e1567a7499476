/* report_html.c - the report as one self-contained HTML file: sortable tables, an SVG chart. */
#include <inttypes.h>
#include <string.h>

#include "report.h"

/*
 * One file, nothing fetched: the style and the script are inline, the chart is SVG written
 * here, and a Content-Security-Policy of default-src 'none' makes the browser refuse any
 * request the page might otherwise make. Every text that came from the wire (certificate
 * subjects, SNI) is escaped.
 */

static void
esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
        }
    }
}

static const char style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .3em}"
    "p.note{margin:.2em 0 .5em;color:#555;max-width:60em}"
    "nav a{margin-right:.8em}"
    ".meta{color:#555}"
    ".wrap{overflow-x:auto;max-height:40em;overflow-y:auto;border:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px;white-space:nowrap}"
    "th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}"
    "th{position:sticky;top:0;background:#f4f4f4;cursor:pointer;user-select:none}"
    "th[aria-sort=ascending]::after{content:' \\25B2'}"
    "th[aria-sort=descending]::after{content:' \\25BC'}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr[data-drill]{cursor:pointer}tr[data-drill]:hover{background:#eef5ff}"
    "tr.sev-high td:first-child{color:#b03a2e;font-weight:600}"
    "tr.sev-medium td:first-child{color:#b9770e;font-weight:600}"
    ".tools{margin:.3em 0}.tools input{width:20em}.tools span{margin-left:1em;color:#555}"
    "svg text{font:12px system-ui,sans-serif}";

/* Sorting (click a header; #sort=VIEW:COLUMN:asc|desc), filtering (the box above a table;
 * #filter=VIEW:COL=VALUE,...; #find=VIEW:TEXT) and drill-down (click a traffic or finding row:
 * the sessions view shows that endpoint's sessions). */
static const char script[] =
    "(function(){'use strict';\n"
    "function tbl(v){return document.getElementById('t-'+v);}\n"
    "function colIndex(t,name){var h=t.tHead.rows[0].cells;for(var i=0;i<h.length;i++)"
    "if(h[i].getAttribute('data-col')===name)return i;return -1;}\n"
    "function key(td,num){var s=td.textContent;if(!num)return s.toLowerCase();"
    "return s===''?-Infinity:parseFloat(s);}\n"
    "function sortBy(t,col,dir){var th=t.tHead.rows[0].cells[col];if(!th)return;"
    "var num=th.getAttribute('data-type')!=='text';var b=t.tBodies[0];"
    "var rows=Array.prototype.slice.call(b.rows);"
    "var k=rows.map(function(r,i){return {r:r,i:i,v:key(r.cells[col],num)};});"
    "k.sort(function(x,y){if(x.v<y.v)return -dir;if(x.v>y.v)return dir;return x.i-y.i;});"
    "k.forEach(function(x){b.appendChild(x.r);});"
    "Array.prototype.forEach.call(t.tHead.rows[0].cells,function(h){h.removeAttribute('aria-sort');"
    "});"
    "th.setAttribute('aria-sort',dir>0?'ascending':'descending');}\n"
    "function count(t){var n=0,s=t.tBodies[0].rows;for(var i=0;i<s.length;i++)"
    "if(!s[i].hidden)n++;var c=document.getElementById('c-'+t.getAttribute('data-view'));"
    "if(c)c.textContent=n+' of '+s.length+' rows shown';}\n"
    "function apply(t){var text=(t._text||'').toLowerCase(),cond=t._cond||[];"
    "Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var ok=true;"
    "if(text&&r.textContent.toLowerCase().indexOf(text)<0)ok=false;"
    "cond.forEach(function(c){if(c.i<0||r.cells[c.i].textContent!==c.v)ok=false;});"
    "r.hidden=!ok;});count(t);}\n"
    "function setCond(t,spec){t._cond=[];var box=document.getElementById('f-'+"
    "t.getAttribute('data-view'));if(box)box.value='';t._text='';"
    "spec.split(',').forEach(function(p){var e=p.indexOf('=');if(e<0)return;"
    "t._cond.push({i:colIndex(t,p.slice(0,e)),v:p.slice(e+1)});});"
    "var cl=document.getElementById('x-'+t.getAttribute('data-view'));"
    "if(cl){cl.hidden=!t._cond.length;cl.textContent='filter: '+spec+' (clear)';}apply(t);}\n"
    "Array.prototype.forEach.call(document.querySelectorAll('table.rt'),function(t){"
    "Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){"
    "th.addEventListener('click',function(){var d=th.getAttribute('aria-sort')==='ascending'?-1:1;"
    "if(!th.getAttribute('aria-sort')&&th.getAttribute('data-type')!=='text')d=-1;"
    "sortBy(t,i,d);});});"
    "var box=document.getElementById('f-'+t.getAttribute('data-view'));"
    "if(box)box.addEventListener('input',function(){t._text=box.value;apply(t);});"
    "var cl=document.getElementById('x-'+t.getAttribute('data-view'));"
    "if(cl)cl.addEventListener('click',function(){setCond(t,'');});"
    "Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var d=r.getAttribute('data-drill');"
    "if(!d)return;r.addEventListener('click',function(){var s=tbl('sessions');if(!s)return;"
    "setCond(s,d);s.scrollIntoView();});});count(t);});\n"
    "function fromHash(){var h=decodeURIComponent(location.hash.replace(/^#/,''));"
    "h.split('&').forEach(function(part){var e=part.indexOf('=');if(e<0)return;"
    "var what=part.slice(0,e),arg=part.slice(e+1),c=arg.indexOf(':');if(c<0)return;"
    "var t=tbl(arg.slice(0,c)),rest=arg.slice(c+1);if(!t)return;"
    "if(what==='sort'){var p=rest.split(':');var i=colIndex(t,p[0]);"
    "if(i>=0)sortBy(t,i,p[1]==='desc'?-1:1);}"
    "else if(what==='filter'){setCond(t,rest);}"
    "else if(what==='find'){t._text=rest;var b=document.getElementById('f-'+"
    "t.getAttribute('data-view'));if(b)b.value=rest;apply(t);}});}\n"
    "fromHash();window.addEventListener('hashchange',fromHash);\n"
    "document.body.setAttribute('data-ready','1');\n"
    "})();\n";

static const char *const cat_colors[REP_NCAT] = {
    "#c0392b", "#7b241c", "#a04000", "#e67e22", "#f1c40f", "#58d68d",
    "#1e8449", "#95a5a6", "#2e86c1", "#8e44ad", "#34495e",
};

/* Which session columns a row of each view selects (drill-down). */
struct drill {
    const char *view;
    const char *pairs[4][2]; /* {this view's column, the sessions view's column} */
};

static const struct drill drills[] = {
    {"tcp_server", {{"server_ip", "server_ip"}, {"port", "port"}, {"protection", "protection"}}},
    {"tcp_client",
     {{"client_ip", "client_ip"},
      {"server_ip", "server_ip"},
      {"port", "port"},
      {"protection", "protection"}}},
    {"peer",
     {{"local_ip", "server_ip"},
      {"remote_ip", "client_ip"},
      {"port", "port"},
      {"protection", "protection"}}},
};

static void
write_drill(FILE *out, const struct rtable *t, size_t row)
{
    char buf[32];
    for (size_t d = 0; d < sizeof(drills) / sizeof(drills[0]); d++) {
        if (strcmp(drills[d].view, t->id) != 0)
            continue;
        fputs(" data-drill=\"", out);
        int n = 0;
        for (int k = 0; k < 4 && drills[d].pairs[k][0]; k++) {
            for (size_t c = 0; c < t->ncols; c++) {
                if (strcmp(t->cols[c].name, drills[d].pairs[k][0]) != 0)
                    continue;
                fprintf(out, "%s%s=", n++ ? "," : "", drills[d].pairs[k][1]);
                esc(out, rt_cell_text(t, row, c, buf, sizeof(buf)));
            }
        }
        fputc('"', out);
    }
}

static void
write_table(FILE *out, const struct rtable *t)
{
    char buf[32];
    fprintf(out, "<section id=\"v-%s\"><h2>", t->id);
    esc(out, t->title);
    fprintf(out, "</h2>\n<p class=\"note\">");
    esc(out, t->note);
    if (t->omitted_why) {
        fprintf(out, " <strong>%" PRIu64 " more connections are not listed:</strong> ", t->omitted);
        esc(out, t->omitted_why);
        fputc('.', out);
    }
    fprintf(out,
            "</p>\n<div class=\"tools\"><input id=\"f-%s\" type=\"search\" placeholder=\"filter "
            "rows\"><span id=\"c-%s\">%zu rows</span> <a href=\"#v-%s\" id=\"x-%s\" hidden></a>"
            "</div>\n",
            t->id, t->id, t->nrows, t->id, t->id);
    fprintf(out,
            "<div class=\"wrap\"><table class=\"rt\" id=\"t-%s\" data-view=\"%s\">\n<thead><tr>",
            t->id, t->id);
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(out, "<th data-col=\"%s\" data-type=\"%s\">%s</th>", t->cols[c].name,
                t->cols[c].type == RT_TEXT ? "text" : "num", t->cols[c].name);
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr", out);
        if (strcmp(t->id, "findings") == 0) {
            fputs(" class=\"sev-", out);
            esc(out, rt_cell_text(t, r, 0, buf, sizeof(buf)));
            fputc('"', out);
        }
        write_drill(out, t, r);
        fputc('>', out);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs(t->cols[c].type == RT_TEXT ? "<td>" : "<td class=\"n\">", out);
            esc(out, rt_cell_text(t, r, c, buf, sizeof(buf)));
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div></section>\n", out);
}

static void
write_chart(FILE *out, const struct rep_chart *ch)
{
    const int label_w = 110, bar_w = 520, row_h = 22, top = 34;
    bool used[REP_NCAT] = {false};
    fputs("<section id=\"v-chart\"><h2>Protection share per server port</h2>\n<p class=\"note\">"
          "Connections to local TCP servers, by protection, per server port (or port range), "
          "the ports with most connections first.",
          out);
    if (ch->omitted_ports)
        fprintf(out,
                " %" PRIu64 " more ports (%" PRIu64
                " connections) are not drawn; they are in the TCP server traffic table.",
                ch->omitted_ports, ch->omitted_conns);
    fputs("</p>\n", out);
    if (!ch->nbars) {
        fputs("<p class=\"note\" id=\"chart-empty\">No TCP server traffic.</p></section>\n", out);
        return;
    }
    for (size_t b = 0; b < ch->nbars; b++) {
        for (int c = 0; c < REP_NCAT; c++)
            used[c] |= ch->bars[b].by_cat[c] != 0;
    }
    int height = top + (int)ch->nbars * row_h + 10;
    fprintf(out,
            "<svg id=\"chart\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"protection share per server port\">\n",
            label_w + bar_w + 120, height);
    int lx = 0;
    for (int c = 0; c < REP_NCAT; c++) {
        if (!used[c])
            continue;
        fprintf(out,
                "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" "
                "y=\"16\">%s</text>\n",
                label_w + lx, cat_colors[c], label_w + lx + 16, ch->cats[c]);
        lx += 24 + 8 * (int)strlen(ch->cats[c]);
    }
    for (size_t b = 0; b < ch->nbars; b++) {
        const struct rep_bar *bar = &ch->bars[b];
        int y = top + (int)b * row_h;
        double x = label_w;
        fprintf(out, "<g class=\"bar\" data-port=\"");
        esc(out, bar->label);
        fprintf(out, "\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + 13);
        esc(out, bar->label);
        fputs("</text>\n", out);
        for (int c = 0; c < REP_NCAT; c++) {
            if (!bar->by_cat[c] || !bar->total)
                continue;
            double share = (double)bar->by_cat[c] / (double)bar->total;
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\" "
                    "data-cat=\"%s\" data-conns=\"%" PRIu64 "\"><title>",
                    x, y, share * bar_w, cat_colors[c], ch->cats[c], bar->by_cat[c]);
            esc(out, bar->label);
            fprintf(out, ": %s %" PRIu64 " of %" PRIu64 " connections (%.1f%%)</title></rect>\n",
                    ch->cats[c], bar->by_cat[c], bar->total, 100.0 * share);
            x += share * bar_w;
        }
        if (!bar->total)
            fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#eee\"/>",
                    label_w, y, bar_w);
        fprintf(out, "<text x=\"%d\" y=\"%d\">%" PRIu64 " connection%s</text></g>\n",
                label_w + bar_w + 8, y + 13, bar->total, bar->total == 1 ? "" : "s");
    }
    fputs("</svg></section>\n", out);
}

int
report_write_html(const struct report *r, FILE *out)
{
    const struct rtable *const *tables;
    size_t n = report_tables(r, &tables);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    esc(out, report_title(r));
    fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n<h1>", style);
    esc(out, report_title(r));
    fputs("</h1>\n<p class=\"meta\">From ", out);
    const struct rtable *inputs = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tables[i]->id, "inputs") == 0)
            inputs = tables[i];
    }
    for (size_t i = 0; inputs && i < inputs->nrows; i++) {
        char buf[32];
        if (i)
            fputs(", ", out);
        esc(out, rt_cell_text(inputs, i, 0, buf, sizeof(buf)));
    }
    fputs(". Policy: ", out);
    esc(out, report_policy(r)->source);
    fputs(". Written by zertdump --report; click a column to sort it, a traffic row to see its "
          "security sessions.</p>\n<nav>",
          out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "<a href=\"#v-%s\">", tables[i]->id);
        esc(out, tables[i]->title);
        fputs("</a>", out);
        if (i == 0)
            fputs("<a href=\"#v-chart\">Chart</a>", out);
    }
    fputs("</nav>\n", out);
    for (size_t i = 0; i < n; i++) {
        write_table(out, tables[i]);
        if (i == 0)
            write_chart(out, report_chart(r));
    }
    fprintf(out, "<script>%s</script>\n</body></html>\n", script);
    return ferror(out) ? -1 : 0;
}
