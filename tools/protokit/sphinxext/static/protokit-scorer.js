// The handbook's search scorer (html_search_scorer): Sphinx's own search, tuned for
// clinical questions. Sphinx finds the pages; this ranks them and names them:
//  * a protocol whose title holds every word of the query, or whose id does ("RT"),
//    comes before pages that only mention the words;
//  * a glossary name ("MSCC", "metastatic spinal cord compression", "GCTB") puts the
//    protocol the glossary entry points to first, then the protocols that use it;
//  * a protocol result reads "ID — Title › Section" and opens at the section that
//    uses the term most (window.PROTOKIT_SEARCH, written by the build:
//    protokit/searchdata.py).
// Sphinx 9.0.4 offers one hook, Scorer.score(result), called on each result row
// before the rows are sorted, de-duplicated and shown; the row is also relabelled
// here (title, anchor), which is why one protocol found as an object, by its text
// and by a section title collapses into one line. tests/test_search.py checks it.
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
  score: function (result) {
    return ProtokitSearch.score(result);
  },
};

var ProtokitSearch = {
  TITLE_BOOST: 30,
  ID_BOOST: 30,
  COVER_BOOST: 90,
  USE_BOOST: 40,
  EXACT_ID_BOOST: 100,

  words: function (text) {
    return (text.toLowerCase().match(/[\p{Letter}\p{Number}]+/gu) || []);
  },

  query: function () {
    if (this._query === undefined) {
      var q = new URLSearchParams(window.location.search).get("q") || "";
      this._query = { text: this.words(q).join(" "), words: this.words(q) };
    }
    return this._query;
  },

  // Glossary entries the query names: all of a name, or at least half of its words.
  entries: function (data, query) {
    return (data.entries || []).filter(function (entry) {
      return entry.forms.some(function (form) {
        if (form === query.text) return true;
        var formWords = form.split(" ");
        var inside = query.words.every(function (w) { return formWords.indexOf(w) >= 0; });
        return inside && query.words.length * 2 >= formWords.length;
      });
    });
  },

  // True when every word of the query starts a word of the text (a short word: is one).
  names: function (text, query) {
    var words = this.words(text);
    return query.words.every(function (w) {
      return words.some(function (t) { return w.length < 3 ? t === w : t.indexOf(w) === 0; });
    });
  },

  // A section of the page whose title holds the query (the shortest): the most precise answer.
  sectionTitled: function (docname, query) {
    var index = typeof Search !== "undefined" ? Search._index : null;
    if (!index || !index.alltitles) return null;
    var file = index.docnames.indexOf(docname);
    var best = null;
    Object.keys(index.alltitles).forEach(function (title) {
      if (title === index.titles[file] || !ProtokitSearch.names(title, query)) return;
      index.alltitles[title].forEach(function (hit) {
        if (hit[0] === file && hit[1] && (!best || title.length < best[1].length)) best = [hit[1], title, 0];
      });
    });
    return best;
  },

  score: function (result) {
    var data = window.PROTOKIT_SEARCH;
    var score = result[4];
    if (!data) return score;
    var info = data.protocols[result[0]];
    if (!info) return score;
    var query = this.query();
    if (!query.words.length) return score;
    var boost = 0;
    if (this.names(info.title + " " + info.short, query)) boost += this.TITLE_BOOST;
    var idParts = this.words(info.id);
    if (idParts.join(" ") === query.text) boost += this.EXACT_ID_BOOST;
    else if (query.words.length === 1 && idParts.indexOf(query.words[0]) > 0) boost += this.ID_BOOST;
    var section = null;
    var used = 0;
    this.entries(data, query).forEach(function (entry) {
      var use = entry.uses[result[0]];
      if (entry.cover.indexOf(result[0]) >= 0) boost += ProtokitSearch.COVER_BOOST;
      else if (use) boost += ProtokitSearch.USE_BOOST + Math.min(use[2], 10);
      if (use && use[2] > used) { section = use; used = use[2]; }
    });
    var titled = this.sectionTitled(result[0], query);
    if (titled) section = titled;
    var name = info.id + " — " + info.title;
    if (result[6] === "title" && result[1].indexOf(" > ") >= 0) {
      // A section title matched: keep its anchor, name the protocol.
      result[1] = name + " › " + result[1].split(" > ").slice(1).join(" › ");
    } else {
      result[1] = section ? name + " › " + section[1] : name;
      result[2] = section ? "#" + section[0] : "";
      result[3] = null;
    }
    return score + boost;
  },
};
