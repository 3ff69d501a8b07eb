// A PDF rendered by pdf.js into one canvas per page (the first pages_max of them), scaled to the dialog's width.
// pdf.js is imported from our own static files when the first preview opens; its worker runs off the page's thread.
export default {
  template: `
    <div class="vk-pdf-pages" :data-pages="pages" :data-rendered="rendered">
      <div v-if="note" class="text-caption text-grey-7 q-pa-xs">{{ note }}</div>
      <div v-if="failed" class="text-negative q-pa-md vk-pdf-failed">{{ failed_text }}</div>
      <div ref="pages"></div>
    </div>
  `,
  props: {
    url: String,
    library: String,
    worker: String,
    pages_max: Number,
    pages_text: String,
    failed_text: String,
  },
  data() {
    return { pages: 0, rendered: 0, failed: false, note: "" };
  },
  async mounted() {
    try {
      const pdfjs = await import(this.library);
      pdfjs.GlobalWorkerOptions.workerSrc = this.worker;
      const pdf = await pdfjs.getDocument({ url: this.url, isEvalSupported: false }).promise;
      this.pages = pdf.numPages;
      const shown = Math.min(pdf.numPages, this.pages_max);
      if (shown < pdf.numPages) {
        this.note = this.pages_text.replace("{shown}", shown).replace("{pages}", pdf.numPages);
      }
      const width = Math.max(this.$el.clientWidth - 8, 320);
      for (let number = 1; number <= shown; number++) {
        const page = await pdf.getPage(number);
        const unscaled = page.getViewport({ scale: 1 });
        const ratio = window.devicePixelRatio || 1;
        const viewport = page.getViewport({ scale: (width / unscaled.width) * ratio });
        const canvas = document.createElement("canvas");
        canvas.width = viewport.width;
        canvas.height = viewport.height;
        canvas.style.width = `${viewport.width / ratio}px`;
        canvas.className = "vk-pdf-page";
        this.$refs.pages.appendChild(canvas);
        await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
        this.rendered = number;
      }
    } catch (error) {
      console.warn("pdf preview", error);
      this.failed = true;
    }
  },
};
