"""Reading transcripts (txt, md, docx) and case attribute CSV files."""
